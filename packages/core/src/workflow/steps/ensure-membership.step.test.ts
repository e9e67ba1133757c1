import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hireFor, JANE, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { ensureGroupMember, ensureMembership, unprovenMembershipWarning } from './ensure-membership.step';
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
const checks = (h: Harness) => h.sim.control.requests().filter((r) => r.operation === 'directoryObjects.checkMemberGroups').length;
const actions = async (h: Harness, employeeId: string) => (await h.ports().audit.forEmployee(employeeId)).map((a) => a.action);
/** Priya's Entra-joined device, in the Web Sign-in group in the sample tenant already. */
const PRIYA_DEVICE = { deviceId: 'a9b25db9-de23-4993-afec-b962e9d92c87', objectId: '65d0d6be-6907-4de8-9e39-7c27f50a2c49' };

describe('ensure-membership step', () => {
  it('adds the user to the pilot group once, however often it runs', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    await ensureMembership(ports, ref);
    await ensureMembership(ports, ref);
    expect(adds(h)).toBe(1);
    // The first try costs one call: no checkMemberGroups before the add.
    expect(checks(h)).toBe(0);
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain(JANE.id);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.membership.state).toBe('done');
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true }]);
    const audit = await ports.audit.forEmployee(ref.employeeId);
    const added = audit.filter((a) => a.action === 'membership.added');
    expect(added).toHaveLength(1);
    expect(added[0]!.graphRequestId).toBeTruthy();
  });

  it('records a membership that existed before as not ours: the add itself says so, no check first', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'priya.patel@contoso.com', deviceId: undefined }));
    await resolveUser(ports, ref);
    await ensureMembership(ports, ref);
    // One add, answered "already a member" (400): nothing changed at Graph, and no checkMemberGroups call.
    expect(adds(h)).toBe(1);
    expect(h.sim.control.requests().filter((q) => q.operation === 'directoryObjects.checkMemberGroups')).toEqual([]);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.membership.state).toBe('done');
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: r!.entra.userId, addedByUs: false }]);
    const found = (await ports.audit.forEmployee(ref.employeeId)).filter((a) => a.action === 'membership.found');
    expect(found).toHaveLength(1);
    expect(found[0]!.graphRequestId).toBe(h.sim.control.requests().find((q) => q.operation === 'groups.members.add')!.requestId);
  });

  it('keeps addedByUs when a crash came between the add and the record (an intent written by an older version too)', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    // An earlier run recorded its intent (as versions before issue 8 did: no `pending`), added, then "crashed".
    await ports.store.update(ref.employeeId, (r) => ({ ...r, memberships: [{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true }] }));
    await h.graph.addGroupMember(h.settings.tapPilotGroupId, JANE.id);
    await ensureMembership(ports, ref);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.membership.state).toBe('done');
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true }]);
    // The retry's add was answered "already a member": one member, still ours.
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId).filter((id) => id === JANE.id)).toHaveLength(1);
  });

  it('an intent whose add never went out is carried out by the retry', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    await ports.store.update(ref.employeeId, (r) => ({ ...r, memberships: [{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true, pending: true }] }));
    await ensureMembership(ports, ref);
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain(JANE.id);
    expect((await ports.store.get(ref.employeeId))!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true }]);
  });

  it('an add whose answer was lost after Graph applied it is not claimed on the retry: Graph cannot tell it from one that was there before', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    h.sim.control.setFaults([{ kind: 'commitThenFail', method: 'POST', pathPattern: '/members/\\$ref$', count: 1 }]);
    await expect(ensureMembership(ports, ref)).rejects.toBeTruthy();
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain(JANE.id);
    // The intent stays: the outcome of that add is unknown to the record.
    expect((await ports.store.get(ref.employeeId))!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true, pending: true }]);
    await ensureMembership(ports, ref);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.membership.state).toBe('done');
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: false, ownershipUnproven: true }]);
    expect(r!.warnings).toContain(unprovenMembershipWarning(JANE.id, h.settings.tapPilotGroupId));
    // The retry asked, found a member, and sent no second add.
    expect(adds(h)).toBe(1);
    expect(checks(h)).toBe(1);
    expect(await actions(h, ref.employeeId)).toContain('membership.unproven');
  });

  it('a membership that existed before, whose first add failed ambiguously without reaching Graph, is not claimed on the retry', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'priya.patel@contoso.com', deviceId: undefined }));
    await resolveUser(ports, ref);
    const priya = (await ports.store.get(ref.employeeId))!.entra.userId!;
    // 504 before the service did anything: Priya's membership (from before) is untouched, but the answer says nothing.
    h.sim.control.setFaults([{ kind: 'status', status: 504, method: 'POST', pathPattern: '/members/\\$ref$', count: 1 }]);
    await expect(ensureMembership(ports, ref)).rejects.toMatchObject({ kind: 'transient' });
    expect((await ports.store.get(ref.employeeId))!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: priya, addedByUs: true, pending: true }]);
    await ensureMembership(ports, ref);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.membership.state).toBe('done');
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: priya, addedByUs: false, ownershipUnproven: true }]);
    expect(r!.warnings).toEqual([unprovenMembershipWarning(priya, h.settings.tapPilotGroupId)]);
    expect(adds(h)).toBe(1);
    expect(checks(h)).toBe(1);
    const unproven = (await ports.audit.forEmployee(ref.employeeId)).filter((a) => a.action === 'membership.unproven');
    expect(unproven).toHaveLength(1);
    expect(unproven[0]!.detail).toContain('may have been a member before this onboarding');
    // Running again changes nothing and asks nothing.
    await ensureMembership(ports, ref);
    expect(adds(h) + checks(h)).toBe(2);
  });

  it('an ambiguous first add that never reached Graph: the retry finds no member, adds, and the membership is ours', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    h.sim.control.setFaults([{ kind: 'status', status: 504, method: 'POST', pathPattern: '/members/\\$ref$', count: 1 }]);
    await expect(ensureMembership(ports, ref)).rejects.toMatchObject({ kind: 'transient' });
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).not.toContain(JANE.id);
    await ensureMembership(ports, ref);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true }]);
    expect(r!.warnings).toEqual([]);
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain(JANE.id);
    expect(checks(h)).toBe(1);
    expect(adds(h)).toBe(2);
  });

  it("a 404 for the object from the retry's check is replication lag: waited on, the intent kept", async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    await ports.store.update(ref.employeeId, (r) => ({ ...r, memberships: [{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true, pending: true }] }));
    h.sim.control.setFaults([{ kind: 'status', status: 404, method: 'POST', pathPattern: '/checkMemberGroups$', count: 1 }]);
    const err = await ensureMembership(ports, ref).catch((e: unknown) => e);
    expect((err as { condition?: string }).condition).toBe('object-replication');
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.membership).toMatchObject({ state: 'pending', waitingFor: 'object-replication' });
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: JANE.id, addedByUs: true, pending: true }]);
    expect(adds(h)).toBe(0);
  });

  it('the device step shares the rule: a device in the Web Sign-in group before, whose add got no answer, is not claimed', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'priya.patel@contoso.com', deviceId: PRIYA_DEVICE.deviceId }));
    await resolveUser(ports, ref);
    const r0 = (await ports.store.get(ref.employeeId))!;
    h.sim.control.setFaults([{ kind: 'status', status: 502, method: 'POST', pathPattern: '/members/\\$ref$', count: 1 }]);
    const group = h.settings.webSignInDeviceGroupId;
    await expect(ensureGroupMember(ports, ref, r0, group, PRIYA_DEVICE.objectId, 'device')).rejects.toMatchObject({ kind: 'transient' });
    const r1 = (await ports.store.get(ref.employeeId))!;
    const { settle, audit } = await ensureGroupMember(ports, ref, r1, group, PRIYA_DEVICE.objectId, 'device');
    expect(audit).toMatchObject({ action: 'membership.unproven', outcome: 'skipped' });
    await ports.store.update(ref.employeeId, (x) => (settle(x), x));
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.memberships).toEqual([{ groupId: group, objectId: PRIYA_DEVICE.objectId, addedByUs: false, ownershipUnproven: true }]);
    expect(r.warnings).toEqual([unprovenMembershipWarning(PRIYA_DEVICE.objectId, group)]);
  });

  it('a refused first add withdraws its intent, so a membership that existed before stays not ours', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'priya.patel@contoso.com', deviceId: undefined }));
    await resolveUser(ports, ref);
    h.sim.control.setFaults([{ kind: 'throttle', method: 'POST', pathPattern: '/members/\\$ref$', count: 1 }]);
    await expect(ensureMembership(ports, ref)).rejects.toMatchObject({ kind: 'throttled' });
    expect((await ports.store.get(ref.employeeId))!.memberships).toEqual([]);
    await ensureMembership(ports, ref);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: r!.entra.userId, addedByUs: false }]);
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
