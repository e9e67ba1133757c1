import type { OnboardingRef, WorkflowPorts } from '../ports';
import { auditFor, loadCurrent, updateCurrent } from '../record-ops';

/**
 * On cancellation (spec/workflow.md "Changes after the fact"): removes the group memberships
 * this onboarding added, never ones that existed before it. A membership still `pending` (an
 * add whose answer never came) counts as ours, as the next add would have counted it
 * (ensure-membership.step.ts); if that add never landed, the remove answers 'not-member'.
 */
export async function undoMemberships(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref, { allowCancelled: true });
  for (const m of r.memberships) {
    if (!m.addedByUs || m.removedAt) continue;
    const res = await ports.graph.removeGroupMember(m.groupId, m.objectId);
    const at = ports.clock.now().toISOString();
    await updateCurrent(
      ports,
      ref,
      (x) => {
        const mine = x.memberships.find((y) => y.groupId === m.groupId && y.objectId === m.objectId && !y.removedAt);
        if (!mine) return false;
        mine.removedAt = at;
      },
      { allowCancelled: true },
    );
    await auditFor(ports, ref, 'membership.removed', 'success', {
      detail: `${m.objectId} removed from group ${m.groupId} (${res.outcome})`,
      graphRequestId: res.requestId,
    });
  }
  for (const m of r.memberships) {
    if (!m.addedByUs && !m.removedAt) {
      await auditFor(ports, ref, 'membership.kept', 'skipped', { detail: `${m.objectId} stays in group ${m.groupId}: it was a member before` });
    }
  }
}
