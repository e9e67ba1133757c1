import type { OnboardingRef, WorkflowPorts } from '../ports';
import { auditFor, loadCurrent, updateCurrent } from '../record-ops';

/**
 * The follow-up at the TAP's expiry: reads the pass once more (why it is no longer usable),
 * ends the link if nobody revealed it, drops the sealed passcode and records the outcome.
 */
export async function expireTap(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  const tap = r.tap;
  if (!tap || r.expiry?.tapId === tap.id) return;
  const userId = r.entra.userId;
  const listed = userId ? (await ports.graph.listTemporaryAccessPasses(userId)).find((t) => t.id === tap.id) : undefined;
  const now = ports.clock.now();
  if (r.reveal?.state === 'active') await ports.links.end(r.reveal.tokenHash, 'expired', now);
  await ports.links.dropPasscode(ref.employeeId, tap.id);
  const revealed = r.reveal?.state === 'revealed';
  await updateCurrent(ports, ref, (x) => {
    x.expiry = { at: now.toISOString(), tapId: tap.id, revealed, methodUsabilityReason: listed?.methodUsabilityReason ?? null };
    if (x.reveal?.state === 'active') x.reveal = { ...x.reveal, state: 'expired' };
  });
  await auditFor(ports, ref, 'tap.expired', 'info', {
    detail: `TAP ${tap.id} expired; ${revealed ? 'the passcode was revealed' : 'the passcode was never revealed'}${listed?.methodUsabilityReason ? `; Graph says ${listed.methodUsabilityReason}` : ''}`,
  });
}
