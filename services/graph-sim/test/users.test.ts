import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphSim } from '@hirepass/graph-sim';
import { JANE, SAM, graphClient, graphError, userId, withSim } from './helpers';

const P1 = '41781fb2-bc02-4b7c-bd55-b576c07bb09d';

describe('users', () => {
  let sim: GraphSim;
  beforeAll(async () => {
    sim = await withSim();
  });
  afterAll(() => sim.close());

  it('gets a user by UPN and by id with the default property set', async () => {
    const c = graphClient(sim);
    const byUpn = await c.api(`/users/${JANE}`).get();
    const byId = await c.api(`/users/${byUpn.id}`).get();
    expect(byId.userPrincipalName).toBe(JANE);
    expect(byUpn).toHaveProperty('displayName', 'Jane Doe');
    for (const hidden of ['accountEnabled', 'assignedPlans', 'employeeId', 'employeeHireDate', 'usageLocation', 'userType']) {
      expect(byUpn).not.toHaveProperty(hidden);
    }
  });

  it('returns exactly the $select-ed properties, including the hidden ones', async () => {
    const c = graphClient(sim);
    const u = await c.api(`/users/${JANE}`).select(['accountEnabled', 'assignedPlans', 'employeeId', 'userType']).get();
    const { '@odata.context': _ctx, ...props } = u;
    expect(Object.keys(props).sort()).toEqual(['accountEnabled', 'assignedPlans', 'employeeId', 'userType']);
    expect(u.accountEnabled).toBe(true);
    expect(u.assignedPlans).toContainEqual(expect.objectContaining({ servicePlanId: P1, capabilityStatus: 'Enabled' }));
    const ben = await c.api('/users/ben.carter@contoso.com').select('assignedPlans').get();
    expect(ben.assignedPlans.some((p: { servicePlanId: string }) => p.servicePlanId === P1)).toBe(false);
    const dana = await c.api('/users/dana.white@contoso.com').select('accountEnabled').get();
    expect(dana.accountEnabled).toBe(false);
  });

  it('refuses an unknown $select property with 400', async () => {
    const err = await graphError(graphClient(sim).api(`/users/${JANE}`).select('favouriteColour').get());
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('Request_BadRequest');
    expect(err.message).toContain('favouriteColour');
  });

  it('finds a guest by its #EXT# UPN (encoded) and reports userType Guest', async () => {
    const upn = 'guest_fabrikam.com#EXT#@contoso.com';
    const u = await graphClient(sim).api(`/users/${encodeURIComponent(upn)}`).select(['userType', 'userPrincipalName']).get();
    expect(u).toMatchObject({ userType: 'Guest', userPrincipalName: upn });
  });

  it('returns the manager, or 404 Request_ResourceNotFound when none is set', async () => {
    const c = graphClient(sim);
    const m = await c.api(`/users/${JANE}/manager`).get();
    expect(m).toMatchObject({ '@odata.type': '#microsoft.graph.user', userPrincipalName: SAM, mail: SAM, id: userId(sim, SAM) });
    const err = await graphError(c.api('/users/omar.haddad@contoso.com/manager').get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('Request_ResourceNotFound');
  });

  it('answers 404 Request_ResourceNotFound for an unknown user', async () => {
    const err = await graphError(graphClient(sim).api('/users/nobody@contoso.com').get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('Request_ResourceNotFound');
  });

  it('lists users with an eq $filter', async () => {
    const res = await graphClient(sim).api('/users').filter("employeeId eq 'E1001'").select('id,userPrincipalName').get();
    expect(res.value).toEqual([{ id: userId(sim, JANE), userPrincipalName: JANE }]);
  });

  it('has the sample tenant the tests and the demo rely on', () => {
    const s = sim.control.state();
    const hires = s.users.filter((u) => /^hire\d\d@contoso\.com$/.test(u.userPrincipalName));
    expect(hires).toHaveLength(30);
    expect(s.users.some((u) => u.userType === 'Guest')).toBe(true);
    expect(s.users.some((u) => !u.accountEnabled)).toBe(true);
    expect(new Set(s.devices.map((d) => d.trustType))).toEqual(new Set(['AzureAd', 'ServerAd', 'Workplace']));
    expect(s.devices.some((d) => d.operatingSystemVersion.startsWith('10.0.19045.'))).toBe(true);
    expect(s.devices.some((d) => d.operatingSystem !== 'Windows')).toBe(true);
    expect(s.apps[0]?.roles.sort()).toEqual([
      'Device.ReadWrite.All', 'DeviceManagementConfiguration.ReadWrite.All', 'DeviceManagementManagedDevices.PrivilegedOperations.All',
      'DeviceManagementManagedDevices.Read.All', 'Domain.Read.All', 'GroupMember.ReadWrite.All', 'Mail.Send', 'Policy.Read.All',
      'User.Read.All', 'UserAuthenticationMethod.ReadWrite.All',
    ]);
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).not.toContain(userId(sim, JANE));
  });
});
