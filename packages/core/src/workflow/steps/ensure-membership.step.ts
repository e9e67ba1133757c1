import type { MembershipRecord, OnboardingRecord } from '../../domain/onboarding';
import { PermanentError } from '../../errors';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { doneWaiting, isSettled, loadCurrent, stepDone, updateCurrent, waitOn, type AuditNote } from '../record-ops';
import { isAmbiguousWriteFailure, isNotFoundYet } from './graph-outcomes';

/**
 * What the add found, for the caller's "step done" write: `settle` records it on the
 * onboarding, and `audit` (when Graph was asked) is the add's entry, written with that change.
 */
export interface SettleMembership {
  settle: (r: OnboardingRecord) => void;
  audit?: AuditNote;
}

const sameMembership = (groupId: string, objectId: string) => (m: MembershipRecord) => m.groupId === groupId && m.objectId === objectId && !m.removedAt;

/**
 * Adds `objectId` to `groupId` and returns how to record whether the membership existed before
 * (a cancellation undoes only the ones we added). Shared by steps 2 and 3. No membership check
 * first: the add's own answer says it (204: ours; "already a member": it was there before),
 * which saves a Graph call per group, and a POST that counts against the write budget.
 *
 * Crash safety: the intent (`pending`) is recorded before the add. A later attempt that finds
 * it does not know whether that add went through, so "already a member" then counts as ours,
 * as an add of our own that the record missed. An add that was clearly refused (4xx, 429,
 * 503: nothing written) withdraws the intent, so a throttled first try never turns a membership
 * that existed before into one a cancellation would remove. The add is audited with Graph's
 * request-id whatever it answered, in the caller's "done" write (or alone, if that finds the
 * job stale: the add happened all the same). A 404 for the object (found a moment ago by its step) is
 * replication lag: waited on, within the replication window.
 */
export async function ensureGroupMember(
  ports: WorkflowPorts,
  ref: OnboardingRef,
  current: OnboardingRecord,
  groupId: string,
  objectId: string,
  what: 'user' | 'device',
): Promise<SettleMembership> {
  const step = what === 'user' ? 'membership' : 'device';
  const mine = sameMembership(groupId, objectId);
  const known = current.memberships.find(mine);
  // Recorded as there before us: nothing to ask Graph, and a cancellation leaves it alone.
  if (known && !known.addedByUs) return { settle: () => undefined };
  // Recorded as ours while the step is not done (the settle below is part of the "done" write):
  // an earlier attempt's intent, whose add may have gone through. Versions before issue 8
  // wrote that intent without `pending`; it counts all the same.
  const earlierIntent = known !== undefined;
  if (!earlierIntent) {
    await updateCurrent(ports, ref, (r) => {
      if (r.memberships.some(mine)) return false;
      r.memberships.push({ groupId, objectId, addedByUs: true, pending: true });
    });
  }
  let res;
  try {
    res = await ports.graph.addGroupMember(groupId, objectId);
  } catch (err) {
    if (!earlierIntent && !isAmbiguousWriteFailure(err)) {
      // Refused: nothing was written, so the intent goes (see above).
      await updateCurrent(ports, ref, (r) => {
        const at = r.memberships.findIndex(mine);
        if (at < 0 || !r.memberships[at]!.pending) return false;
        r.memberships.splice(at, 1);
      });
    }
    if (!isNotFoundYet(err)) throw err;
    return waitOn(ports, ref, step, 'object-replication', `${what} ${objectId} is not visible to group ${groupId} yet`, err.graph);
  }
  const existed = res.outcome === 'already-member' && !earlierIntent;
  const audit: AuditNote = existed
    ? {
        action: 'membership.found',
        outcome: 'skipped',
        detail: `${what} ${objectId} was a member of group ${groupId} before this onboarding: recorded as not ours`,
        graphRequestId: res.requestId,
      }
    : {
        action: 'membership.added',
        outcome: 'success',
        detail: `${what} ${objectId} added to group ${groupId}${res.outcome === 'already-member' ? ' (already a member: an earlier attempt added it)' : ''}`,
        graphRequestId: res.requestId,
      };
  const settle = (r: OnboardingRecord) => {
    const m = r.memberships.find(mine);
    if (m) {
      m.addedByUs = !existed;
      delete m.pending;
    } else {
      r.memberships.push({ groupId, objectId, addedByUs: !existed });
    }
  };
  return { settle, audit };
}

/** Step 2 (spec/workflow.md): the hire joins TAP_POLICY's pilot group, days ahead of activation. */
export async function ensureMembership(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  if (isSettled(r.steps.membership)) return;
  const userId = r.entra.userId;
  if (!userId) throw new PermanentError('membership step ran before the user was resolved');
  const { settle, audit } = await ensureGroupMember(ports, ref, r, ports.settings.tapPilotGroupId, userId, 'user');
  const now = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    settle(x);
    doneWaiting(x, 'membership');
    x.steps.membership = stepDone(now, `member of TAP pilot group ${ports.settings.tapPilotGroupId}`);
  }, { audit, auditIfStale: true });
}
