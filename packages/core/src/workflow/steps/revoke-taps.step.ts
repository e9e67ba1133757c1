import type { OnboardingRef, WorkflowPorts } from '../ports';
import { auditFor, loadCurrent, updateCurrent, type CurrentOptions } from '../record-ops';

/**
 * Deletes the passes a change or cancellation took away from this onboarding (recorded in
 * `tapsToRevoke` by the same write that dropped them). Runs first in every onboarding job;
 * a pass already gone at Graph counts as deleted.
 */
export async function revokeTaps(ports: WorkflowPorts, ref: OnboardingRef, opts: CurrentOptions = {}): Promise<void> {
  const r = await loadCurrent(ports, ref, opts);
  for (const tap of r.tapsToRevoke ?? []) {
    const res = await ports.graph.deleteTemporaryAccessPass(tap.userId, tap.id);
    await ports.links.dropPasscode(ref.employeeId, tap.id);
    await updateCurrent(
      ports,
      ref,
      (x) => {
        x.tapsToRevoke = (x.tapsToRevoke ?? []).filter((t) => t.id !== tap.id);
      },
      opts,
    );
    await auditFor(ports, ref, 'tap.revoked', 'success', {
      detail: `TAP ${tap.id} deleted (${tap.reason}; ${res.outcome})`,
      graphRequestId: res.requestId,
    });
  }
}
