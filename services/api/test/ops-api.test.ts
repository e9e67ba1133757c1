import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { OnboardingStore, QUEUES, type OnboardingRecord } from '@hirepass/core';
import { OPS_TOKEN, basic, bearer, makeRecord, makeTestApp, type TestApp } from './helpers';

describe('ops authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const protectedUrls = ['/api/onboardings', '/api/onboardings/E-1', '/api/nothing-here', '/admin', '/admin/', '/admin/queues', '/admin/queues/api/queues', '/%61pi/onboardings', '/API/onboardings'];

  it.each(protectedUrls)('GET %s without credential: 401 with WWW-Authenticate and problem JSON', async (url) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="hirepass ops", Bearer realm="hirepass ops"');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('refuses a wrong token, in either scheme, and POSTs too', async () => {
    for (const headers of [bearer('wrong-token-0123456789'), basic('ops', 'wrong'), basic(OPS_TOKEN, ''), { authorization: OPS_TOKEN }]) {
      expect((await t.app.inject({ method: 'GET', url: '/api/onboardings', headers })).statusCode).toBe(401);
    }
    expect((await t.app.inject({ method: 'POST', url: '/api/onboardings/E-1/retry' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/admin/onboardings/E-1/reissue' })).statusCode).toBe(401);
  });

  it('accepts Bearer, and Basic with any user and the token as password', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/onboardings', headers: bearer() })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/onboardings', headers: basic('anyone', OPS_TOKEN) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/admin/', headers: basic('', OPS_TOKEN) })).statusCode).toBe(200);
  });

  it('never logs the credential', async () => {
    expect(t.logs.lines.length).toBeGreaterThan(0);
    expect(t.logs.text).not.toContain(OPS_TOKEN);
    expect(t.logs.text).not.toContain(Buffer.from(`anyone:${OPS_TOKEN}`).toString('base64'));
  });

  it('leaves the public endpoints open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
  });
});

describe('ops JSON API', () => {
  let t: TestApp;
  let store: OnboardingStore;
  let queue: Queue;
  const records: OnboardingRecord[] = [];

  beforeAll(async () => {
    t = await makeTestApp();
    store = new OnboardingStore(t.redis, t.prefix);
    queue = new Queue(QUEUES.onboarding, { connection: t.redis, prefix: t.prefix });
    const base = t.clock.now().getTime();
    const statuses = ['scheduled', 'failed', 'needs_attention', 'scheduled', 'cancelled', 'notified'] as const;
    for (let i = 0; i < statuses.length; i++) {
      const r = makeRecord(`E-${i}`, new Date(base + i * 1000), { status: statuses[i]! });
      records.push(r);
      await store.create(r);
    }
  });
  afterAll(async () => {
    await queue?.close();
    await t?.close();
  });

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: bearer() });

  it('lists newest first with the spec fields, and nothing secret', async () => {
    const res = await get('/api/onboardings');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.map((o: { employeeId: string }) => o.employeeId)).toEqual(['E-5', 'E-4', 'E-3', 'E-2', 'E-1', 'E-0']);
    expect(body.nextCursor).toBeNull();
    const first = body.items[0];
    for (const field of ['employeeId', 'userPrincipalName', 'status', 'activationAt', 'timeZone', 'steps', 'tap', 'warnings', 'updatedAt']) {
      expect(first).toHaveProperty(field);
    }
    expect(first.steps.user).toEqual({ state: 'pending' });
    expect(first.tap).toBeNull();
    expect(first.warnings).toEqual([]);
    expect(res.body).not.toMatch(/tokenHash|sealed|passcode/);
  });

  it('pages with limit and an opaque cursor', async () => {
    const p1 = (await get('/api/onboardings?limit=4')).json();
    expect(p1.items).toHaveLength(4);
    expect(p1.nextCursor).toEqual(expect.any(String));
    const p2 = (await get(`/api/onboardings?limit=4&cursor=${p1.nextCursor}`)).json();
    expect(p2.items.map((o: { employeeId: string }) => o.employeeId)).toEqual(['E-1', 'E-0']);
    expect(p2.nextCursor).toBeNull();
  });

  it('filters by status', async () => {
    const body = (await get('/api/onboardings?status=scheduled')).json();
    expect(body.items.map((o: { employeeId: string }) => o.employeeId)).toEqual(['E-3', 'E-0']);
  });

  it.each(['/api/onboardings?limit=501', '/api/onboardings?limit=0', '/api/onboardings?limit=ten', '/api/onboardings?status=happy', '/api/onboardings?cursor=bm90LWEtY3Vyc29y'])(
    '400 problem JSON for %s',
    async (url) => {
      const res = await get(url);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().errors.length).toBeGreaterThan(0);
    },
  );

  it('gets one onboarding, or 404 problem JSON', async () => {
    const one = await get('/api/onboardings/E-1');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ employeeId: 'E-1', status: 'failed', onboardingId: records[1]!.onboardingId });
    const missing = await get('/api/onboardings/E-404');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await get('/api/onboardings/not%20valid')).statusCode).toBe(400);
  });

  it('retry and reissue: 202, an audit entry by ops, a job on the onboarding queue', async () => {
    for (const action of ['retry', 'reissue'] as const) {
      const res = await t.app.inject({ method: 'POST', url: `/api/onboardings/E-1/${action}`, headers: bearer() });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ employeeId: 'E-1', action, status: 'accepted' });
    }
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.map((j) => j.name).sort()).toEqual(['reissue', 'retry']);
    for (const j of jobs) {
      expect(j.data).toEqual({ employeeId: 'E-1', onboardingId: records[1]!.onboardingId, generation: 1, actor: 'ops', requestedAt: expect.any(String) });
      expect(j.id).toMatch(new RegExp(`^${j.name}-`));
      expect(j.id).not.toContain(':');
    }
    const audit = (await get('/api/onboardings/E-1/audit')).json();
    expect(audit.items.map((e: { action: string; actor: string }) => `${e.actor}:${e.action}`)).toEqual(['ops:ops.retry.requested', 'ops:ops.reissue.requested']);
  });

  it('retry/reissue: 404 for an unknown onboarding, 409 for a cancelled one', async () => {
    const unknown = await t.app.inject({ method: 'POST', url: '/api/onboardings/E-404/retry', headers: bearer() });
    expect(unknown.statusCode).toBe(404);
    const cancelled = await t.app.inject({ method: 'POST', url: '/api/onboardings/E-4/reissue', headers: bearer() });
    expect(cancelled.statusCode).toBe(409);
    expect(cancelled.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('audit: oldest first; 404 when neither an onboarding nor entries exist', async () => {
    expect((await get('/api/onboardings/E-0/audit')).json()).toEqual({ employeeId: 'E-0', items: [] });
    expect((await get('/api/onboardings/E-404/audit')).statusCode).toBe(404);
  });
});
