import type { OnboardingRecord } from '../../domain/onboarding';
import { PermanentError } from '../../errors';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { auditFor, doneWaiting, isSettled, loadCurrent, stepDone, updateCurrent, waitOn } from '../record-ops';
import { isNotFoundYet } from './graph-outcomes';

/**
 * Adds `objectId` to `groupId` unless it is a member already, and records on the onboarding
 * whether the membership existed before (a cancellation undoes only the ones we added).
 * Shared by steps 2 and 3; the add is audited with Graph's request-id. A 404 for the object
 * (found a moment ago by its step) is replication lag: waited on, within the replication window.
 */
export async function ensureGroupMember(
  ports: WorkflowPorts,
  ref: OnboardingRef,
  groupId: string,
  objectId: string,
  what: 'user' | 'device',
): Promise<void> {
  const step = what === 'user' ? 'membership' : 'device';
  const notYet = (err: unknown): Promise<never> => {
    if (!isNotFoundYet(err)) throw err;
    return waitOn(ports, ref, step, 'object-replication', `${what} ${objectId} is not visible to group ${groupId} yet`, err.graph);
  };
  const before = await ports.graph.checkMemberGroups(objectId, [groupId]).catch(notYet);
  const preExisting = before.some((g) => g.toLowerCase() === groupId.toLowerCase());
  const recorded = (r: OnboardingRecord) => r.memberships.find((m) => m.groupId === groupId && m.objectId === objectId && !m.removedAt);

  if (preExisting) {
    await updateCurrent(ports, ref, (r) => {
      // Already ours from an earlier attempt (the add went through, the record did not)? Keep addedByUs.
      if (recorded(r)) return false;
      r.memberships.push({ groupId, objectId, addedByUs: false });
    });
    return;
  }
  // Record the intent first: if we crash after the add, the next run finds the membership
  // "pre-existing" but our record already says addedByUs, so a cancellation still undoes it.
  await updateCurrent(ports, ref, (r) => {
    const m = recorded(r);
    if (m?.addedByUs) return false;
    if (m) m.addedByUs = true;
    else r.memberships.push({ groupId, objectId, addedByUs: true });
  });
  const res = await ports.graph.addGroupMember(groupId, objectId).catch(notYet);
  await auditFor(ports, ref, 'membership.added', 'success', {
    detail: `${what} ${objectId} added to group ${groupId}${res.outcome === 'already-member' ? ' (was already a member)' : ''}`,
    graphRequestId: res.requestId,
  });
}

/** Step 2 (spec/workflow.md): the hire joins TAP_POLICY's pilot group, days ahead of activation. */
export async function ensureMembership(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  if (isSettled(r.steps.membership)) return;
  const userId = r.entra.userId;
  if (!userId) throw new PermanentError('membership step ran before the user was resolved');
  await ensureGroupMember(ports, ref, ports.settings.tapPilotGroupId, userId, 'user');
  const now = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    doneWaiting(x, 'membership');
    x.steps.membership = stepDone(now, `member of TAP pilot group ${ports.settings.tapPilotGroupId}`);
  });
}
