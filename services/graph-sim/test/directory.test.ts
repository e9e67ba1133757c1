import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALREADY_MEMBER_MESSAGE, type GraphSim } from '@hirepass/graph-sim';
import { JANE, JANE_DEVICE_ID, deviceObjectId, graphClient, graphError, tenantWithApp, userId, withSim } from './helpers';

const ref = (kind: string, id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/${kind}/${id}` });

describe('groups and devices', () => {
  let sim: GraphSim;
  beforeAll(async () => {
    sim = await withSim();
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  it('adds a member by directoryObjects reference (204) and refuses the second add with the exact message', async () => {
    const c = graphClient(sim);
    const jane = userId(sim, JANE);
    await c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post(ref('directoryObjects', jane));
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).toContain(jane);
    const err = await graphError(c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post(ref('directoryObjects', jane)));
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('Request_BadRequest');
    expect(err.message).toBe(ALREADY_MEMBER_MESSAGE);
    expect(ALREADY_MEMBER_MESSAGE).toBe("One or more added object references already exist for the following modified properties: 'members'.");
  });

  it('accepts the typed users/ and devices/ reference forms', async () => {
    const c = graphClient(sim);
    await c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post(ref('users', userId(sim, 'hire01@contoso.com')));
    const dev = deviceObjectId(sim, JANE_DEVICE_ID);
    await c.api(`/groups/${sim.webSignInDeviceGroupId}/members/$ref`).post(ref('devices', dev));
    expect(sim.control.groupMembers(sim.webSignInDeviceGroupId)).toContain(dev);
    // A device id in the users/ form is not a user.
    const err = await graphError(c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post(ref('users', deviceObjectId(sim, JANE_DEVICE_ID))));
    expect(err.statusCode).toBe(404);
  });

  it('answers 404 for an unknown object, an unknown group, and refuses a strict-body violation', async () => {
    const c = graphClient(sim);
    const unknown = await graphError(c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post(ref('directoryObjects', '00000000-0000-4000-8000-000000000000')));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.code).toBe('Request_ResourceNotFound');
    const group = await graphError(c.api('/groups/00000000-0000-4000-8000-000000000001/members/$ref').post(ref('directoryObjects', userId(sim, JANE))));
    expect(group.statusCode).toBe(404);
    const extra = await graphError(c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post({ ...ref('directoryObjects', userId(sim, JANE)), members: [] }));
    expect(extra.statusCode).toBe(400);
    expect(extra.message).toContain("'members'");
  });

  it('removes with DELETE …/members/{id}/$ref (204) and answers 404 when not a member', async () => {
    const c = graphClient(sim);
    const priya = userId(sim, 'priya.patel@contoso.com');
    await c.api(`/groups/${sim.tapPilotGroupId}/members/${priya}/$ref`).delete();
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).not.toContain(priya);
    const err = await graphError(c.api(`/groups/${sim.tapPilotGroupId}/members/${priya}/$ref`).delete());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('Request_ResourceNotFound');
  });

  it('treats DELETE without /$ref as deleting the object: refused without delete rights', async () => {
    const priya = userId(sim, 'priya.patel@contoso.com');
    const err = await graphError(graphClient(sim).api(`/groups/${sim.tapPilotGroupId}/members/${priya}`).delete());
    expect(err.statusCode).toBe(403);
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).toContain(priya);
  });

  it('checkMemberGroups is transitive and works under /directoryObjects, /users and /devices', async () => {
    const c = graphClient(sim);
    const state = sim.control.state();
    const allStaff = state.groups.find((g) => g.displayName.startsWith('All staff'))!.id;
    const priya = userId(sim, 'priya.patel@contoso.com');
    const body = { groupIds: [sim.tapPilotGroupId, allStaff, sim.webSignInDeviceGroupId] };
    expect((await c.api(`/directoryObjects/${priya}/checkMemberGroups`).post(body)).value.sort()).toEqual([sim.tapPilotGroupId, allStaff].sort());
    expect((await c.api(`/users/${JANE}/checkMemberGroups`).post(body)).value).toEqual([]);
    const ppatelDevice = state.devices.find((d) => d.displayName === 'CONTOSO-PPATEL')!.id;
    expect((await c.api(`/devices/${ppatelDevice}/checkMemberGroups`).post(body)).value).toEqual([sim.webSignInDeviceGroupId]);
    const tooMany = await graphError(c.api(`/users/${JANE}/checkMemberGroups`).post({ groupIds: Array.from({ length: 21 }, () => sim.tapPilotGroupId) }));
    expect(tooMany.statusCode).toBe(400);
  });

  it('gets a group with groupTypes and membershipRule; dynamic groups cannot be changed', async () => {
    const c = graphClient(sim);
    const dyn = sim.control.state().groups.find((g) => g.groupTypes.includes('DynamicMembership'))!;
    const g = await c.api(`/groups/${dyn.id}`).get();
    expect(g).toMatchObject({ groupTypes: ['DynamicMembership'], membershipRule: '(device.deviceOSType -eq "Windows")' });
    const pilot = await c.api(`/groups/${sim.tapPilotGroupId}`).select('groupTypes,membershipRule').get();
    expect(pilot).toMatchObject({ groupTypes: [], membershipRule: null });
    const err = await graphError(c.api(`/groups/${dyn.id}/members/$ref`).post(ref('directoryObjects', userId(sim, JANE))));
    expect(err.statusCode).toBe(400);
  });

  it('role-assignable groups need RoleManagement.ReadWrite.Directory', async () => {
    const role = sim.control.state().groups.find((g) => g.isAssignableToRole)!;
    const err = await graphError(graphClient(sim).api(`/groups/${role.id}/members/$ref`).post(ref('directoryObjects', userId(sim, JANE))));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('Authorization_RequestDenied');
  });

  it('finds devices with $filter=deviceId eq and returns trustType and version', async () => {
    const c = graphClient(sim);
    const res = await c.api('/devices').filter(`deviceId eq '${JANE_DEVICE_ID}'`).get();
    expect(res.value).toHaveLength(1);
    expect(res.value[0]).toMatchObject({ id: deviceObjectId(sim, JANE_DEVICE_ID), deviceId: JANE_DEVICE_ID, trustType: 'AzureAd', operatingSystem: 'Windows', operatingSystemVersion: '10.0.22631.4460' });
    expect((await c.api('/devices').filter("deviceId eq '00000000-0000-4000-8000-000000000000'").get()).value).toEqual([]);
    const bad = await graphError(c.api('/devices').filter("model eq 'x'").get());
    expect(bad.statusCode).toBe(400);
    expect(bad.code).toBe('Request_UnsupportedQuery');
    const byKey = await c.api(`/devices(deviceId='${JANE_DEVICE_ID}')`).get();
    expect(byKey.deviceId).toBe(JANE_DEVICE_ID);
  });

  it('looks a device up by deviceId in any case, with its other clauses applied, and not once deleted', async () => {
    const c = graphClient(sim);
    const upper = await c.api('/devices').filter(`deviceId eq '${JANE_DEVICE_ID.toUpperCase()}'`).get();
    expect(upper.value.map((d: { deviceId: string }) => d.deviceId)).toEqual([JANE_DEVICE_ID]);
    expect((await c.api('/devices').filter(`deviceId eq '${JANE_DEVICE_ID}' and trustType eq 'Workplace'`).get()).value).toEqual([]);
    const fresh = sim.control.addDevice({ displayName: 'SHORT-LIVED' });
    expect((await c.api('/devices').filter(`deviceId eq '${fresh.deviceId}'`).get()).value).toHaveLength(1);
    sim.control.reset();
    expect((await c.api('/devices').filter(`deviceId eq '${fresh.deviceId}'`).get()).value).toEqual([]);
    expect((await graphError(c.api(`/devices(deviceId='${fresh.deviceId}')`).get())).statusCode).toBe(404);
  });

  it('isManaged follows Intune enrolment: true with a managed device, false for a device only registered in Entra', async () => {
    const c = graphClient(sim);
    const enrolled = await c.api('/devices').filter(`deviceId eq '${JANE_DEVICE_ID}'`).select('id,isManaged,mdmAppId').get();
    expect(enrolled.value[0]).toMatchObject({ isManaged: true, mdmAppId: '0000000a-0000-0000-c000-000000000000' });
    const fresh = sim.control.addDevice({ displayName: 'UNENROLLED-1' });
    const bare = await c.api('/devices').filter(`deviceId eq '${fresh.deviceId}'`).select('id,isManaged,mdmAppId').get();
    expect(bare.value[0]).toEqual({ id: fresh.id, isManaged: false, mdmAppId: null });
    const managed = sim.control.addManagedDevice({ azureADDeviceId: fresh.deviceId });
    const now = await c.api('/devices').filter(`deviceId eq '${fresh.deviceId}'`).select('id,isManaged').get();
    expect(now.value[0]).toEqual({ id: fresh.id, isManaged: true });
    const found = await c.api('/deviceManagement/managedDevices').filter(`azureADDeviceId eq '${fresh.deviceId}'`).get();
    expect(found.value.map((m: { id: string }) => m.id)).toEqual([managed.id]);
  });

  it('needs a device permission for devices (403 with a second app granted less)', async () => {
    const second = tenantWithApp(['User.Read.All']);
    const other = await withSim({ tenant: second.tenant });
    try {
      const err = await graphError(graphClient(other, second.appId, second.secret).api('/devices').filter(`deviceId eq '${JANE_DEVICE_ID}'`).get());
      expect(err.statusCode).toBe(403);
    } finally {
      await other.close();
    }
  });

  it('adding or removing a device member needs a device write permission besides the group one (403 with Device.Read.All)', async () => {
    const weak = tenantWithApp(['GroupMember.ReadWrite.All', 'Device.Read.All', 'User.Read.All']);
    const other = await withSim({ tenant: weak.tenant });
    try {
      const c = graphClient(other, weak.appId, weak.secret);
      const dev = deviceObjectId(other, JANE_DEVICE_ID);
      const group = other.webSignInDeviceGroupId;
      const err = await graphError(c.api(`/groups/${group}/members/$ref`).post(ref('directoryObjects', dev)));
      expect(err.statusCode).toBe(403);
      expect(err.code).toBe('Authorization_RequestDenied');
      expect(other.control.groupMembers(group)).not.toContain(dev);
      // A user member needs only the group permission.
      await c.api(`/groups/${group}/members/$ref`).post(ref('directoryObjects', userId(other, JANE)));
      expect(other.control.groupMembers(group)).toContain(userId(other, JANE));
      other.control.addGroupMember(group, dev);
      expect((await graphError(c.api(`/groups/${group}/members/${dev}/$ref`).delete())).statusCode).toBe(403);
    } finally {
      await other.close();
    }
    const strong = tenantWithApp(['GroupMember.ReadWrite.All', 'Device.ReadWrite.All']);
    const third = await withSim({ tenant: strong.tenant });
    try {
      const c = graphClient(third, strong.appId, strong.secret);
      const dev = deviceObjectId(third, JANE_DEVICE_ID);
      await c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post(ref('directoryObjects', dev));
      expect(third.control.groupMembers(sim.tapPilotGroupId)).toContain(dev);
    } finally {
      await third.close();
    }
  });

  it('finds the Intune managed device by azureADDeviceId and records syncDevice (204)', async () => {
    const c = graphClient(sim);
    const res = await c.api('/deviceManagement/managedDevices').filter(`azureADDeviceId eq '${JANE_DEVICE_ID}'`).get();
    expect(res.value).toHaveLength(1);
    const md = res.value[0];
    expect(md).toMatchObject({ azureADDeviceId: JANE_DEVICE_ID, deviceName: 'CONTOSO-JDOE' });
    await c.api(`/deviceManagement/managedDevices/${md.id}/syncDevice`).post(undefined);
    expect(sim.control.syncs()).toEqual([expect.objectContaining({ managedDeviceId: md.id, azureADDeviceId: JANE_DEVICE_ID })]);
    const missing = await graphError(c.api('/deviceManagement/managedDevices/00000000-0000-4000-8000-000000000000/syncDevice').post(undefined));
    expect(missing.statusCode).toBe(404);
  });

  it('lists domains and returns federationConfiguration only for a federated domain', async () => {
    const c = graphClient(sim);
    const domains = await c.api('/domains').get();
    expect(domains.value.map((d: { id: string }) => d.id)).toContain('contoso.com');
    const fed = await c.api('/domains/partners.contoso.com/federationConfiguration').get();
    expect(fed.value[0]).toMatchObject({ federatedIdpMfaBehavior: 'enforceMfaByFederatedIdp' });
    const managed = await graphError(c.api('/domains/contoso.com/federationConfiguration').get());
    expect(managed.statusCode).toBe(404);
  });
});
