import type { TapToRevoke } from '../../domain/onboarding';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { auditFor, loadCurrent, updateCurrent, type CurrentOptions } from '../record-ops';

/**
 * Deletes the passes a change or cancellation took away from this onboarding (recorded in
 * `tapsToRevoke` by the same write that dropped them). Runs first in every onboarding job;
 * a pass already gone at Graph counts as deleted. An `unknown` entry stands for a create
 * whose answer never came: whatever pass the user holds now came from it, and goes.
 */
export async function revokeTaps(ports: WorkflowPorts, ref: OnboardingRef, opts: CurrentOptions = {}): Promise<void> {
  const r = await loadCurrent(ports, ref, opts);
  for (const entry of r.tapsToRevoke ?? []) {
    const ids = entry.unknown ? (await ports.graph.listTemporaryAccessPasses(entry.userId)).map((t) => t.id) : [entry.id];
    for (const id of ids) await deleteOne(ports, ref, entry, id);
    await updateCurrent(
      ports,
      ref,
      (x) => {
        x.tapsToRevoke = (x.tapsToRevoke ?? []).filter((t) => t.id !== entry.id || t.unknown !== entry.unknown);
      },
      opts,
    );
  }
}

async function deleteOne(ports: WorkflowPorts, ref: OnboardingRef, entry: TapToRevoke, id: string): Promise<void> {
  const res = await ports.graph.deleteTemporaryAccessPass(entry.userId, id);
  await ports.links.dropPasscode(ref.employeeId, id);
  await auditFor(ports, ref, 'tap.revoked', 'success', {
    detail: `TAP ${id} deleted (${entry.reason}${entry.unknown ? '; left by a create whose answer never came' : ''}; ${res.outcome})`,
    graphRequestId: res.requestId,
  });
}
