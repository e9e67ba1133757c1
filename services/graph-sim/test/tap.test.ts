import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { POLICY_REFUSAL_MESSAGE, TAP_START_IN_PAST_MESSAGE, startGraphSim, type GraphSim } from '@hirepass/graph-sim';
import { JANE, graphClient, graphError, tenantWithApp, userId, withSim } from './helpers';

const PRIYA = 'priya.patel@contoso.com';
const taps = (upn: string) => `/users/${upn}/authentication/temporaryAccessPassMethods`;
const POLICY = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';

describe('Temporary Access Pass', () => {
  let sim: GraphSim;
  beforeAll(async () => {
    // Long-lived tokens: these tests move the simulator clock by hours.
    sim = await withSim({ tokenLifetimeSeconds: 86_400 });
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  it('creates a pass (201) whose passcode appears only in that answer', async () => {
    const c = graphClient(sim);
    const created = await c.api(taps(PRIYA)).post({ lifetimeInMinutes: 120, isUsableOnce: false });
    expect(created).toMatchObject({ lifetimeInMinutes: 120, isUsableOnce: false, isUsable: true, methodUsabilityReason: 'EnabledByPolicy' });
    expect(created.temporaryAccessPass).toMatch(/^.{8}$/);
    const list = await c.api(taps(PRIYA)).get();
    expect(list.value).toHaveLength(1);
    expect(list.value[0]).toMatchObject({ id: created.id, temporaryAccessPass: null });
    const one = await c.api(`${taps(PRIYA)}/${created.id}`).get();
    expect(one.temporaryAccessPass).toBeNull();
    expect(sim.control.taps(PRIYA)).toEqual([expect.objectContaining({ id: created.id, passcode: created.temporaryAccessPass, current: true })]);
  });

  it('uses the policy defaults when the body is empty', async () => {
    const created = await graphClient(sim).api(taps(PRIYA)).post({});
    expect(created).toMatchObject({ lifetimeInMinutes: 60, isUsableOnce: false });
  });

  it('keeps one pass per user: a new one replaces the old', async () => {
    const c = graphClient(sim);
    const first = await c.api(taps(PRIYA)).post({});
    const second = await c.api(taps(PRIYA)).post({});
    expect(second.id).not.toBe(first.id);
    const list = await c.api(taps(PRIYA)).get();
    expect(list.value.map((t: { id: string }) => t.id)).toEqual([second.id]);
    expect((await graphError(c.api(`${taps(PRIYA)}/${first.id}`).get())).statusCode).toBe(404);
    const all = sim.control.taps(PRIYA);
    expect(all.map((t) => [t.id, t.current])).toEqual([[first.id, false], [second.id, true]]);
  });

  it('deletes a pass (204) and then lists none', async () => {
    const c = graphClient(sim);
    const t = await c.api(taps(PRIYA)).post({});
    await c.api(`${taps(PRIYA)}/${t.id}`).delete();
    expect((await c.api(taps(PRIYA)).get()).value).toEqual([]);
    expect(sim.control.taps(PRIYA)[0]).toMatchObject({ current: false, deletedAt: expect.any(String) });
  });

  it('enforces the policy lifetime bounds with Graph message', async () => {
    const c = graphClient(sim);
    for (const lifetimeInMinutes of [59, 481]) {
      const err = await graphError(c.api(taps(PRIYA)).post({ lifetimeInMinutes }));
      expect(err.statusCode).toBe(400);
      expect(err.code).toBe('badRequest');
      expect(err.message).toBe('Invalid LifetimeInMinutes specified. The valid range between 60 and 480.');
    }
    sim.control.setTapPolicy({ maximumLifetimeInMinutes: 600 });
    expect((await c.api(taps(PRIYA)).post({ lifetimeInMinutes: 600 })).lifetimeInMinutes).toBe(600);
  });

  it('refuses users outside the policy targets, in its excludeTargets, or when it is disabled', async () => {
    const c = graphClient(sim);
    const outside = await graphError(c.api(taps(JANE)).post({}));
    expect(outside.statusCode).toBe(400);
    expect(outside.code).toBe('badRequest');
    expect(outside.message).toBe(POLICY_REFUSAL_MESSAGE);
    expect(POLICY_REFUSAL_MESSAGE).toBe('Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].');
    sim.control.setTapPolicy({ excludeTargets: [{ targetType: 'group', id: sim.tapPilotGroupId }] });
    expect((await graphError(c.api(taps(PRIYA)).post({}))).message).toBe(POLICY_REFUSAL_MESSAGE);
    sim.control.setTapPolicy({ excludeTargets: [], state: 'disabled' });
    expect((await graphError(c.api(taps(PRIYA)).post({}))).message).toBe(POLICY_REFUSAL_MESSAGE);
    sim.control.setTapPolicy({ state: 'enabled', includeTargets: [{ targetType: 'group', id: 'all_users' }] });
    expect((await c.api(taps(JANE)).post({})).temporaryAccessPass).toBeTruthy();
  });

  it('refuses a guest even when the policy targets all users', async () => {
    sim.control.setTapPolicy({ includeTargets: [{ targetType: 'group', id: 'all_users' }] });
    const err = await graphError(graphClient(sim).api(taps(encodeURIComponent('guest_fabrikam.com#EXT#@contoso.com'))).post({}));
    expect(err.statusCode).toBe(400);
  });

  it('sees a new pilot-group member only after the replication lag', async () => {
    sim.control.setReplicationLag(5_000);
    const c = graphClient(sim);
    await c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId(sim, JANE)}` });
    // Graph reads see the member at once; policy evaluation does not yet.
    expect((await c.api(`/users/${JANE}/checkMemberGroups`).post({ groupIds: [sim.tapPilotGroupId] })).value).toEqual([sim.tapPilotGroupId]);
    expect((await graphError(c.api(taps(JANE)).post({}))).message).toBe(POLICY_REFUSAL_MESSAGE);
    sim.control.setClockOffset(5_001);
    expect((await c.api(taps(JANE)).post({})).temporaryAccessPass).toBeTruthy();
  });

  it('computes isUsable and methodUsabilityReason from the clock', async () => {
    const c = graphClient(sim);
    const start = new Date(Date.now() + 3_600_000).toISOString();
    const future = await c.api(taps(PRIYA)).post({ startDateTime: start });
    expect(future).toMatchObject({ isUsable: false, methodUsabilityReason: 'NotYetValid' });
    sim.control.setClockOffset(3_600_000 + 1_000);
    expect((await c.api(taps(PRIYA)).get()).value[0]).toMatchObject({ isUsable: true, methodUsabilityReason: 'EnabledByPolicy' });
    sim.control.setClockOffset(3_600_000 + 61 * 60_000);
    expect((await c.api(taps(PRIYA)).get()).value[0]).toMatchObject({ isUsable: false, methodUsabilityReason: 'Expired' });
    sim.control.setClockOffset(0);
    await c.api(taps(PRIYA)).post({ isUsableOnce: true });
    sim.control.useTap(PRIYA);
    expect((await c.api(taps(PRIYA)).get()).value[0]).toMatchObject({ isUsable: false, methodUsabilityReason: 'OneTimeUsed' });
    await c.api(taps(PRIYA)).post({});
    sim.control.setTapPolicy({ state: 'disabled' });
    expect((await c.api(taps(PRIYA)).get()).value[0]).toMatchObject({ isUsable: false, methodUsabilityReason: 'DisabledByPolicy' });
  });

  it('refuses a multi-use pass under a one-time policy (400), as Microsoft documents', async () => {
    const c = graphClient(sim);
    sim.control.setTapPolicy({ isUsableOnce: true });
    const err = await graphError(c.api(taps(PRIYA)).post({ isUsableOnce: false }));
    expect(err.statusCode).toBe(400);
    expect(sim.control.taps(PRIYA)).toEqual([]);
    expect(await c.api(taps(PRIYA)).post({ isUsableOnce: true })).toMatchObject({ isUsableOnce: true });
  });

  it('refuses a start in the past (400), and starts a pass without startDateTime at once', async () => {
    const c = graphClient(sim);
    const past = await graphError(c.api(taps(PRIYA)).post({ startDateTime: new Date(Date.now() - 5_000).toISOString() }));
    expect(past.statusCode).toBe(400);
    expect(past.message).toBe(TAP_START_IN_PAST_MESSAGE);
    expect(sim.control.taps(PRIYA)).toEqual([]);
    const before = Date.now();
    const now = await c.api(taps(PRIYA)).post({ lifetimeInMinutes: 60 });
    expect(Date.parse(now.startDateTime)).toBeGreaterThanOrEqual(before - 1_000);
    expect(now).toMatchObject({ isUsable: true });
  });

  it('refuses unknown or mistyped properties (strict bodies)', async () => {
    const c = graphClient(sim);
    const unknown = await graphError(c.api(taps(PRIYA)).post({ lifetimeInMinutes: 60, lifeTimeInHours: 1 }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.message).toContain("'lifeTimeInHours'");
    const mistyped = await graphError(c.api(taps(PRIYA)).post({ lifetimeInMinutes: '60' }));
    expect(mistyped.statusCode).toBe(400);
    expect(mistyped.message).toContain('Edm.Int32');
    const badDate = await graphError(c.api(taps(PRIYA)).post({ startDateTime: 'tomorrow' }));
    expect(badDate.statusCode).toBe(400);
    expect(sim.control.taps(PRIYA)).toEqual([]);
  });

  it('answers 404 for an unknown user', async () => {
    const err = await graphError(graphClient(sim).api(taps('nobody@contoso.com')).post({}));
    expect(err.statusCode).toBe(404);
  });

  it('reads the TAP policy under either spelling of its id', async () => {
    const c = graphClient(sim);
    for (const id of ['TemporaryAccessPass', 'temporaryAccessPass']) {
      const p = await c.api(`/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/${id}`).get();
      expect(p).toMatchObject({
        '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
        state: 'enabled', minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, defaultLifetimeInMinutes: 60, defaultLength: 8, isUsableOnce: false,
        includeTargets: [expect.objectContaining({ targetType: 'group', id: sim.tapPilotGroupId })],
      });
    }
  });
});

describe('TAP policy updates', () => {
  let sim: GraphSim;
  let client: ReturnType<typeof graphClient>;
  beforeAll(async () => {
    const second = tenantWithApp(['Policy.ReadWrite.AuthenticationMethod', 'UserAuthenticationMethod.ReadWrite.All']);
    sim = await startGraphSim({ tenant: second.tenant });
    client = graphClient(sim, second.appId, second.secret);
  });
  afterAll(() => sim.close());

  it('patches the policy (204) and enforces its documented bounds', async () => {
    await client.api(POLICY).patch({ maximumLifetimeInMinutes: 1440, defaultLength: 12 });
    const p = await client.api(POLICY).get();
    expect(p).toMatchObject({ maximumLifetimeInMinutes: 1440, defaultLength: 12 });
    expect((await client.api(taps(PRIYA)).post({})).temporaryAccessPass).toHaveLength(12);
    for (const bad of [{ maximumLifetimeInMinutes: 50_000 }, { defaultLength: 7 }, { minimumLifetimeInMinutes: 5 }, { defaultLifetimeInMinutes: 2000 }]) {
      const err = await graphError(client.api(POLICY).patch(bad));
      expect(err.statusCode).toBe(400);
    }
    const unknown = await graphError(client.api(POLICY).patch({ maxLifetime: 10 }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.message).toContain("'maxLifetime'");
  });
});
