import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphSim, type GraphSim } from '@hirepass/graph-sim';
import { JANE, SAM, graphClient, graphError, noRetry, tenantWithApp, userId, withSim } from './helpers';

const POLICIES = '/deviceManagement/configurationPolicies';
const groupTarget = (groupId: string) => ({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } });

describe('Intune settings catalog (beta)', () => {
  let sim: GraphSim;
  beforeAll(async () => {
    sim = await withSim();
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  it('lists the Enable Web Sign In policy, assigned to the web sign-in device group', async () => {
    const c = graphClient(sim);
    const list = await c.api(POLICIES).version('beta').filter("name eq 'Enable Web Sign In'").get();
    expect(list.value).toHaveLength(1);
    const policy = await c.api(`${POLICIES}/${list.value[0].id}`).version('beta').expand('settings').get();
    expect(policy.settings[0].settingInstance).toMatchObject({
      settingDefinitionId: 'device_vendor_msft_policy_config_authentication_enablewebsignin',
      choiceSettingValue: { value: 'device_vendor_msft_policy_config_authentication_enablewebsignin_1' },
    });
    const assignments = await c.api(`${POLICIES}/${policy.id}/assignments`).version('beta').get();
    expect(assignments.value.map((a: { target: { groupId: string } }) => a.target.groupId)).toEqual([sim.webSignInDeviceGroupId]);
  });

  it('exists only under beta', async () => {
    const err = await graphError(graphClient(sim).api(POLICIES).get());
    expect(err.statusCode).toBe(400);
  });

  it('creates a policy (201) and assign replaces the whole assignment set', async () => {
    const c = graphClient(sim);
    const created = await c.api(POLICIES).version('beta').post({
      name: 'Test policy', description: 'x', platforms: 'windows10', technologies: 'mdm', roleScopeTagIds: ['0'],
      settings: [{ '@odata.type': '#microsoft.graph.deviceManagementConfigurationSetting', settingInstance: { settingDefinitionId: 'device_vendor_msft_policy_config_authentication_enablewebsignin' } }],
    });
    expect(created).toMatchObject({ name: 'Test policy', settingCount: 1 });
    const a = '11111111-1111-4111-8111-111111111111';
    const b = '22222222-2222-4222-8222-222222222222';
    const first = await c.api(`${POLICIES}/${created.id}/assign`).version('beta').post({ assignments: [groupTarget(a), groupTarget(b)] });
    expect(first.value).toHaveLength(2);
    await c.api(`${POLICIES}/${created.id}/assign`).version('beta').post({ assignments: [groupTarget(b)] });
    const now = await c.api(`${POLICIES}/${created.id}/assignments`).version('beta').get();
    expect(now.value.map((x: { target: { groupId: string } }) => x.target.groupId)).toEqual([b]);
    const strict = await graphError(c.api(`${POLICIES}/${created.id}/assign`).version('beta').post({ assignments: [], replace: true }));
    expect(strict.statusCode).toBe(400);
    const missing = await graphError(c.api(`${POLICIES}/00000000-0000-4000-8000-000000000000/assignments`).version('beta').get());
    expect(missing.statusCode).toBe(404);
  });
});

describe('notices', () => {
  let sim: GraphSim;
  let teams: ReturnType<typeof graphClient>;
  beforeAll(async () => {
    const second = tenantWithApp(['TeamsActivity.Send']);
    sim = await startGraphSim({ tenant: second.tenant });
    teams = graphClient(sim, second.appId, second.secret);
  });
  afterAll(() => sim.close());

  const mail = (to: string) => ({
    message: { subject: 'Your first day', body: { contentType: 'HTML', content: '<p>Welcome</p>' }, toRecipients: [{ emailAddress: { address: to } }] },
    saveToSentItems: false,
  });

  it('captures sendMail (202) from the sender mailbox', async () => {
    await graphClient(sim).api(`/users/${sim.noticeSenderUpn}/sendMail`).post(mail(SAM));
    expect(sim.control.mails()).toEqual([expect.objectContaining({ from: sim.noticeSenderUpn, to: [SAM], subject: 'Your first day', contentType: 'HTML', content: '<p>Welcome</p>' })]);
  });

  it('refuses a malformed mail body and an unknown sender', async () => {
    const c = graphClient(sim);
    const extra = await graphError(c.api(`/users/${sim.noticeSenderUpn}/sendMail`).post({ ...mail(SAM), priority: 'high' }));
    expect(extra.statusCode).toBe(400);
    expect(extra.message).toContain("'priority'");
    const noRecipient = await graphError(c.api(`/users/${sim.noticeSenderUpn}/sendMail`).post({ message: { subject: 'x', toRecipients: [] } }));
    expect(noRecipient.statusCode).toBe(400);
    const sender = await graphError(c.api('/users/nobody@contoso.com/sendMail').post(mail(SAM)));
    expect(sender.statusCode).toBe(404);
  });

  it("enforces Outlook's 4 concurrent requests per mailbox: the fifth and sixth are refused with 429 ApplicationThrottled", async () => {
    const c = graphClient(sim);
    sim.control.setFaults([{ kind: 'latency', latencyMs: 400, pathPattern: '/sendMail$' }]);
    try {
      const mailsBefore = sim.control.mailCount();
      const requestsBefore = sim.control.counts().sendMail ?? 0;
      const sends = Array.from({ length: 6 }, () => noRetry(c.api(`/users/${sim.noticeSenderUpn}/sendMail`)).post(mail(SAM)).then(() => null, (err) => err as { statusCode: number; code: string; message: string; headers?: Headers }));
      const refused = (await Promise.all(sends)).filter((e) => e !== null);
      expect(refused).toHaveLength(2);
      for (const e of refused) {
        expect(e).toMatchObject({ statusCode: 429, code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' });
        expect(e.headers?.get('retry-after')).toBe('1');
      }
      // The slots come back with the answers: the next request goes through.
      await c.api(`/users/${sim.noticeSenderUpn}/sendMail`).post(mail(SAM));
      // Accepted mails are counted apart from requests (the benchmarks wait on them).
      expect(sim.control.mailCount() - mailsBefore).toBe(5);
      expect(sim.control.counts().sendMail! - requestsBefore).toBe(7);
    } finally {
      sim.control.setFaults([]);
    }
  });

  it("enforces Outlook's requests per mailbox per window (10,000 per 10 minutes; here 3 per minute): 429 ApplicationThrottled until the oldest leaves it", async () => {
    const c = graphClient(sim);
    const send = (from = sim.noticeSenderUpn) =>
      noRetry(c.api(`/users/${from}/sendMail`)).post(mail(SAM)).then(() => null, (err) => err as { statusCode: number; code: string; message: string; headers?: Headers });
    const mailsBefore = sim.control.mailCount();
    sim.control.setMailboxRequestLimit({ requests: 3, windowMs: 60_000 });
    try {
      // The simulator's clock moves the window: one send now, two half a minute later.
      expect(await send()).toBeNull();
      sim.control.setClockOffset(30_000);
      expect(await send()).toBeNull();
      expect(await send()).toBeNull();
      const over = await send();
      expect(over).toMatchObject({ statusCode: 429, code: 'ApplicationThrottled', message: 'Application is over its MailboxRequests limit.' });
      expect(over!.headers?.get('retry-after')).toBe('30');
      // Another mailbox has a window of its own.
      expect(await send(SAM)).toBeNull();
      // A minute after the first: it left the window, the two others did not, and the refused one
      // never counted. So exactly one more goes through.
      sim.control.setClockOffset(60_001);
      expect(await send()).toBeNull();
      expect(await send()).toMatchObject({ statusCode: 429, code: 'ApplicationThrottled' });
      expect(sim.control.mailCount() - mailsBefore).toBe(5);
    } finally {
      sim.control.setMailboxRequestLimit(null);
      sim.control.setClockOffset(0);
    }
  });

  it("defaults to Outlook's 10,000 requests per 10 minutes, restored by reset; refuses a limit that is no limit", () => {
    expect(sim.control.mailboxRequestLimit()).toEqual({ requests: 10_000, windowMs: 600_000 });
    sim.control.setMailboxRequestLimit({ requests: 3, windowMs: 60_000 });
    expect(sim.control.mailboxRequestLimit()).toEqual({ requests: 3, windowMs: 60_000 });
    sim.control.reset();
    expect(sim.control.mailboxRequestLimit()).toEqual({ requests: 10_000, windowMs: 600_000 });
    expect(() => sim.control.setMailboxRequestLimit({ requests: 0, windowMs: 1_000 })).toThrow(/requests > 0/);
  });

  it('captures sendActivityNotification (204) and needs TeamsActivity.Send', async () => {
    await teams.api(`/users/${JANE}/teamwork/sendActivityNotification`).post({
      topic: { source: 'text', value: 'hirepass', webUrl: 'https://teams.microsoft.com/l/entity/x' },
      activityType: 'firstDayReady',
      previewText: { content: 'Your first-day sign-in is ready' },
      templateParameters: [{ name: 'name', value: 'Jane' }],
    });
    expect(sim.control.notifications()).toEqual([expect.objectContaining({ userId: userId(sim, JANE), activityType: 'firstDayReady', previewText: 'Your first-day sign-in is ready' })]);
    const err = await graphError(graphClient(sim).api(`/users/${JANE}/teamwork/sendActivityNotification`).post({}));
    expect(err.statusCode).toBe(403);
  });
});
