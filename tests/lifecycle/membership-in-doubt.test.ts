import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClockedStack, type ClockedStack } from '../helpers/clocked-stack';
import { waitFor } from '../helpers/wait-for';
import { addDays, auditActions, hire, instantOf, send, settled, userId } from './fixtures';

/**
 * spec/workflow.md "hire.cancelled": undo the memberships this onboarding added, "never ones
 * that existed before it", with everything real (API, worker, Redis, simulated tenant) and a
 * group add whose answer is lost.
 */
const SOON = addDays(new Date().toISOString().slice(0, 10), 30);

let stack: ClockedStack;
beforeAll(async () => {
  stack = await startClockedStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('a pilot-group membership that existed before, whose first add got no answer', () => {
  it('is not claimed by the retry, the onboarding completes with a warning, and a cancellation leaves it', async () => {
    const h = hire({ startDate: SOON, timeZone: 'UTC' });
    const uid = userId(stack, h.userPrincipalName);
    const pilot = stack.sim.tapPilotGroupId;
    stack.sim.control.addGroupMember(pilot, uid);
    // A 504 from the front end: the add never reached the directory, but the worker cannot know that.
    stack.sim.control.setFaults([{ kind: 'status', status: 504, method: 'POST', pathPattern: `^/groups/${pilot}/members/\\$ref$`, count: 1 }]);
    stack.clock.setNow(instantOf(h).getTime() + 1_000);
    await send(stack, 'hire.created', h);

    const r = await stack.waitForRecord('notified', h.employeeId, settled);
    expect(r.memberships).toEqual([{ groupId: pilot, objectId: uid, addedByUs: false, ownershipUnproven: true }]);
    expect(r.warnings).toEqual([expect.stringContaining(`${uid} is a member of group ${pilot}, but an add of ours got no answer`)]);
    const ops = stack.sim.control.requests().filter((q) => q.path.includes(uid) || q.path.includes(pilot));
    // The failed add, then the retry's check, and no second add.
    expect(ops.filter((q) => q.operation === 'groups.members.add').map((q) => q.status)).toEqual([504]);
    expect(ops.filter((q) => q.operation === 'directoryObjects.checkMemberGroups')).toHaveLength(1);
    expect(await auditActions(stack, h.employeeId)).toContain('membership.unproven');

    await send(stack, 'hire.cancelled', { employeeId: h.employeeId, reason: 'offer withdrawn' });
    await waitFor('cancel completed', async () => (await auditActions(stack, h.employeeId)).includes('onboarding.cancel-completed') || null);
    expect(stack.sim.control.groupMembers(pilot)).toContain(uid);
    expect(stack.sim.control.requests().filter((q) => q.operation === 'groups.members.remove')).toEqual([]);
    expect(await auditActions(stack, h.employeeId)).toContain('membership.kept');
  });
});
