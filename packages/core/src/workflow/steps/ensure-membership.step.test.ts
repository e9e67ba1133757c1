import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hireFor, JANE, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { ensureMembership } from './ensure-membership.step';
import { resolveUser } from './resolve-user.step';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

const adds = (h: Harness) => h.sim.control.requests().filter((r) => r.method === 'POST' && /\/members\/\$ref/.test(r.path)).length;

describe('ensure-membership step', () => {
  it('adds the user to the pilot group once, however often it runs', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    await ensureMembership(ports, ref);
    await ensureMembership(ports, ref);
    expect(adds(h)).toBe(1);
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain(JANE.id);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.membership.state).toBe('done');
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true }]);
    const audit = await ports.audit.forEmployee(ref.employeeId);
    const added = audit.filter((a) => a.action === 'membership.added');
    expect(added).toHaveLength(1);
    expect(added[0]!.graphRequestId).toBeTruthy();
  });

  it('records a membership that existed before as not ours, without adding', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'priya.patel@contoso.com', deviceId: undefined }));
    await resolveUser(ports, ref);
    await ensureMembership(ports, ref);
    expect(adds(h)).toBe(0);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: r!.entra.userId, addedByUs: false }]);
  });

  it('keeps addedByUs when a crash came between the add and the record', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    // First run recorded the intent and added, then "crashed" before marking the step done.
    await ensureMembership(ports, ref);
    await ports.store.update(ref.employeeId, (r) => ({ ...r, steps: { ...r.steps, membership: { state: 'pending' } } }));
    await ensureMembership(ports, ref);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true }]);
    expect(adds(h)).toBe(1);
  });

  it('a 404 for the object on the add is replication lag: waited on, then added', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    h.sim.control.setFaults([{ kind: 'status', status: 404, method: 'POST', pathPattern: '/members/\\$ref$', count: 1 }]);
    const err = await ensureMembership(ports, ref).catch((e: unknown) => e);
    expect((err as { condition?: string }).condition).toBe('object-replication');
    expect((await ports.store.get(ref.employeeId))!.steps.membership).toMatchObject({ state: 'pending', waitingFor: 'object-replication' });
    await ensureMembership(ports, ref);
    expect((await ports.store.get(ref.employeeId))!.steps.membership.state).toBe('done');
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain(JANE.id);
  });
});
