import type { OnboardingRef, WorkflowPorts } from '../workflow/ports';
import { addWarning, auditFor, loadCurrent, updateCurrent, waitOn } from '../workflow/record-ops';

/**
 * The one call the TAP step makes before it touches a pass (issue 9): the readiness gate, the
 * ops pause switch and the blast-radius brake, and the dry-run mark. A held onboarding does
 * not fail: it turns needs_attention with the reason at once, and its job re-checks later
 * (a WaitingError: no attempt spent). Once issuance opens, the mark is cleared.
 */
export const ISSUANCE_CONDITIONS = {
  paused: 'issuance-paused',
  brake: 'issuance-brake',
  notReady: 'tenant-not-ready',
} as const;
const HELD: ReadonlySet<string> = new Set(Object.values(ISSUANCE_CONDITIONS));

/** A waiting condition that only an issuance release clears (readiness/issuance-holds.ts). */
export function isIssuanceHold(condition: string | undefined): boolean {
  return condition !== undefined && HELD.has(condition);
}

export const DRY_RUN_WARNING = 'dry run (DRY_RUN): no Temporary Access Pass was created and no mail was sent; the reveal link holds no passcode';

export interface IssuanceBlock {
  condition: (typeof ISSUANCE_CONDITIONS)[keyof typeof ISSUANCE_CONDITIONS];
  message: string;
}

/** What the worker plugs into WorkflowPorts.issuance (readiness/issuance-gate.ts). */
export interface IssuanceGuardPort {
  readonly dryRun: boolean;
  /** null: this onboarding may be issued its TAP now (and is counted by the brake). */
  admit(ref: OnboardingRef): Promise<IssuanceBlock | null>;
}

export async function guardTapIssuance(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const gate = ports.issuance;
  if (!gate) return;
  const block = await gate.admit(ref);
  const r = await loadCurrent(ports, ref);
  if (!block) {
    const held = r.attention && HELD.has(r.attention.condition);
    const unmarked = gate.dryRun && !r.warnings.includes(DRY_RUN_WARNING);
    if (!held && !unmarked) return;
    await updateCurrent(ports, ref, (x) => {
      if (x.attention && HELD.has(x.attention.condition)) {
        x.attention = null;
        if (x.status === 'needs_attention') x.status = 'in_progress';
      }
      if (gate.dryRun) addWarning(x, DRY_RUN_WARNING);
    });
    if (held) await auditFor(ports, ref, 'tap.released', 'info', { detail: `TAP issuance open again (was: ${r.attention!.message})` });
    return;
  }
  if (!(r.status === 'needs_attention' && r.attention?.condition === block.condition)) {
    const since = ports.clock.now().toISOString();
    await updateCurrent(ports, ref, (x) => {
      x.status = 'needs_attention';
      x.attention = { condition: block.condition, message: block.message, since };
    });
    await auditFor(ports, ref, 'tap.held', 'info', { detail: block.message });
  }
  return waitOn(ports, ref, 'tap', block.condition, block.message);
}
