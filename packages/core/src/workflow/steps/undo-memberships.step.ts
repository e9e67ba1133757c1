import type { MembershipRecord } from '../../domain/onboarding';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { auditFor, loadCurrent, updateCurrent } from '../record-ops';
import { markUnproven } from './ensure-membership.step';
import { isNotFoundYet } from './graph-outcomes';

/**
 * On cancellation (spec/workflow.md "Changes after the fact"): removes the group memberships
 * this onboarding added, never ones that existed before it. A membership still `pending` (an
 * add whose answer never came) is not removed blindly: Graph is asked first, and a member is
 * then treated as ensure-membership.step.ts treats one on a retry (it may have been there
 * before: recorded as not ours, kept, and warned about).
 */
export async function undoMemberships(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref, { allowCancelled: true });
  for (const m of r.memberships) {
    if (!m.addedByUs || m.removedAt) continue;
    if (m.pending) {
      await settleInDoubt(ports, ref, m);
      continue;
    }
    const res = await ports.graph.removeGroupMember(m.groupId, m.objectId);
    await markRemoved(ports, ref, m);
    await auditFor(ports, ref, 'membership.removed', 'success', {
      detail: `${m.objectId} removed from group ${m.groupId} (${res.outcome})`,
      graphRequestId: res.requestId,
    });
  }
  for (const m of r.memberships) {
    if (!m.addedByUs && !m.removedAt) {
      const why = m.ownershipUnproven
        ? 'it may have been a member before this onboarding (an add of ours got no answer), see the warning'
        : 'it was a member before';
      await auditFor(ports, ref, 'membership.kept', 'skipped', { detail: `${m.objectId} stays in group ${m.groupId}: ${why}` });
    }
  }
}

async function settleInDoubt(ports: WorkflowPorts, ref: OnboardingRef, m: MembershipRecord): Promise<void> {
  let member: boolean;
  try {
    member = (await ports.graph.checkMemberGroups(m.objectId, [m.groupId])).length > 0;
  } catch (err) {
    // The object is gone (or not visible): no membership of it to remove.
    if (!isNotFoundYet(err)) throw err;
    member = false;
  }
  if (!member) {
    await markRemoved(ports, ref, m);
    await auditFor(ports, ref, 'membership.removed', 'skipped', {
      detail: `${m.objectId} is not a member of group ${m.groupId}: the add of ours that got no answer never took effect, nothing to remove`,
    });
    return;
  }
  await updateCurrent(ports, ref, (x) => markUnproven(x, m.groupId, m.objectId), {
    allowCancelled: true,
    audit: {
      action: 'membership.kept',
      outcome: 'skipped',
      detail: `${m.objectId} stays in group ${m.groupId}: an add of ours got no answer, so it may have been a member before this onboarding; recorded as not ours, see the warning`,
    },
  });
}

async function markRemoved(ports: WorkflowPorts, ref: OnboardingRef, m: MembershipRecord): Promise<void> {
  const at = ports.clock.now().toISOString();
  await updateCurrent(
    ports,
    ref,
    (x) => {
      const mine = x.memberships.find((y) => y.groupId === m.groupId && y.objectId === m.objectId && !y.removedAt);
      if (!mine) return false;
      mine.removedAt = at;
      delete mine.pending;
    },
    { allowCancelled: true },
  );
}
