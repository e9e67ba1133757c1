import type { MembershipRecord, OnboardingRecord } from '../../domain/onboarding';
import { PermanentError } from '../../errors';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { addWarning, doneWaiting, isSettled, loadCurrent, stepDone, updateCurrent, waitOn, type AuditNote } from '../record-ops';
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

/** The warning an onboarding carries for a membership whose origin cannot be told (see ensureGroupMember). */
export function unprovenMembershipWarning(objectId: string, groupId: string): string {
  return `${objectId} is a member of group ${groupId}, but an add of ours got no answer, so it may have been a member before this onboarding: recorded as not ours, a cancellation leaves it; remove it by hand if it was not there before`;
}

/** Records a membership in doubt as not ours (see ensureGroupMember); part of a record write. */
export function markUnproven(r: OnboardingRecord, groupId: string, objectId: string): void {
  const m = r.memberships.find(sameMembership(groupId, objectId));
  if (m) {
    m.addedByUs = false;
    m.ownershipUnproven = true;
    delete m.pending;
  } else {
    r.memberships.push({ groupId, objectId, addedByUs: false, ownershipUnproven: true });
  }
  addWarning(r, unprovenMembershipWarning(objectId, groupId));
}

/**
 * Adds `objectId` to `groupId` and returns how to record whether the membership existed before
 * (a cancellation undoes only the ones we added; spec/workflow.md: "never ones that existed
 * before it"). Shared by steps 2 and 3. The first try sends the add with no check first: its
 * own answer says it (204: ours; "already a member": it was there before), which saves a Graph
 * call per group, and a POST that counts against the write budget.
 *
 * Crash safety: the intent (`pending`) is recorded before the add. An add that was clearly
 * refused (4xx, 429, 503: nothing written) withdraws it. One that got no answer (a crash, a
 * timeout, 500/502/504) leaves it, and the next attempt cannot know whether that add went
 * through, so it asks Graph (checkMemberGroups) before adding again:
 * - not a member: neither that add nor an earlier membership took effect; the add is sent, and
 *   whatever it answers the membership did not exist before the onboarding: ours;
 * - a member: that add may have made it so, or it was there before, and nothing Graph keeps
 *   tells the two apart. Removing a membership someone had can lock them out of what it gave
 *   them, while leaving one we added only leaves an extra membership, so it is recorded as not
 *   ours (`ownershipUnproven`), audited as `membership.unproven` and warned about on the
 *   onboarding, for ops to decide. No add is sent.
 * The check is transitive (graph.md): a member only through a nested group counts as a member
 * too, and gets no direct membership from the retry. A record of ours without `pending` (an add
 * answered 204 before a re-run, or an intent written by a version before issue 8, which cannot
 * be told apart) keeps counting "already a member" as ours.
 *
 * The add is audited with Graph's request-id whatever it answered, in the caller's "done" write
 * (or alone, if that finds the job stale: the add happened all the same). A 404 for the object
 * (found a moment ago by its step) is replication lag: waited on, within the replication window.
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
  // Recorded as not ours (there before us, or unproven): nothing to ask Graph, and a cancellation leaves it alone.
  if (known && !known.addedByUs) return { settle: () => undefined };
  const earlierIntent = known !== undefined;
  const waitIfNotVisible = (err: unknown) => {
    if (!isNotFoundYet(err)) throw err;
    return waitOn(ports, ref, step, 'object-replication', `${what} ${objectId} is not visible to group ${groupId} yet`, err.graph);
  };
  if (known?.pending) {
    let member: boolean;
    try {
      member = (await ports.graph.checkMemberGroups(objectId, [groupId])).length > 0;
    } catch (err) {
      return waitIfNotVisible(err);
    }
    if (member) {
      return {
        settle: (r) => markUnproven(r, groupId, objectId),
        audit: {
          action: 'membership.unproven',
          outcome: 'skipped',
          detail: `${what} ${objectId} is a member of group ${groupId}, but an earlier add of ours got no answer: it may have been a member before this onboarding, so it is recorded as not ours and a cancellation leaves it`,
        },
      };
    }
  }
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
    return waitIfNotVisible(err);
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
        detail: `${what} ${objectId} added to group ${groupId}${res.outcome === 'already-member' ? alreadyOurs(known?.pending === true) : ''}`,
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

const alreadyOurs = (checked: boolean) =>
  checked
    ? ' (already a member, though not when checked a moment before: it did not exist before this onboarding)'
    : ' (already a member: an earlier attempt added it)';

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
