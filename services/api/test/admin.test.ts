import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, OnboardingStore } from '@hirepass/core';
import { safeJobView } from '../src/routes/admin-queues.routes';
import { sortForOps } from '../src/views/admin.views';
import { basic, bearer, hireCreated, makeRecord, makeTestApp, OPS_TOKEN, signedHeaders, type TestApp } from './helpers';

describe('ops dashboard pages', () => {
  let t: TestApp;
  const auth = basic('ops', OPS_TOKEN);

  beforeAll(async () => {
    t = await makeTestApp();
    const store = new OnboardingStore(t.redis, t.prefix);
    const now = t.clock.now();
    const day = 86_400_000;
    await store.create(makeRecord('E-later', now, { status: 'scheduled', activationAt: new Date(now.getTime() + 5 * day).toISOString() }));
    await store.create(makeRecord('E-sooner', now, { status: 'scheduled', activationAt: new Date(now.getTime() + 2 * day).toISOString() }));
    await store.create(
      makeRecord('E-stuck', now, {
        status: 'needs_attention',
        activationAt: new Date(now.getTime() + 9 * day).toISOString(),
        attention: { condition: 'user-not-found', message: 'account <not> provisioned yet', since: now.toISOString() },
        warnings: ['device runs Windows 10.0.19045'],
        tap: { id: 'tap-meta-1', startDateTime: now.toISOString(), lifetimeInMinutes: 480, isUsableOnce: false, expiresAt: now.toISOString(), createdAt: now.toISOString() },
        reveal: { tokenHash: 'f'.repeat(64), state: 'active' },
      }),
    );
    await store.create(makeRecord('E-gone', now, { status: 'cancelled' }));
    await new AuditTrail(t.redis, t.prefix).append({
      at: now.toISOString(),
      employeeId: 'E-stuck',
      actor: 'worker',
      action: 'user.lookup',
      outcome: 'failure',
      detail: 'user not found',
      graphRequestId: 'req-abc-123',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists onboardings needing attention first, then by activation, with counts and filters', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const order = ['E-stuck', 'E-sooner', 'E-gone', 'E-later'].map((id) => res.body.indexOf(`>${id}</a>`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(res.body).toContain('scheduled (2)');
    expect(res.body).toContain('needs attention (1)');
    expect(res.body).toContain('account &lt;not&gt; provisioned yet');
    expect(res.body).toContain('href="/assets/hirepass.css"');
    expect(res.body).not.toMatch(/<script/i);

    const filtered = await t.app.inject({ method: 'GET', url: '/admin/?status=cancelled', headers: auth });
    expect(filtered.body).toContain('>E-gone</a>');
    expect(filtered.body).not.toContain('>E-stuck</a>');
    expect((await t.app.inject({ method: 'GET', url: '/admin', headers: auth })).statusCode).toBe(200);
  });

  it('shows one onboarding with steps, activation in both zones, TAP metadata, timeline and actions; never a secret', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/onboardings/E-stuck', headers: auth });
    expect(res.statusCode).toBe(200);
    for (const s of ['user', 'membership', 'device', 'Europe/Berlin', 'UTC', 'tap-meta-1', 'req-abc-123', 'user.lookup', 'Windows 10.0.19045']) {
      expect(res.body).toContain(s);
    }
    // The buttons lead to confirmation pages (no script under the CSP), whose forms post.
    expect(res.body).toContain('href="/admin/onboardings/E-stuck/retry"');
    expect(res.body).toContain('href="/admin/onboardings/E-stuck/reissue"');
    for (const action of ['retry', 'reissue']) {
      const confirm = await t.app.inject({ method: 'GET', url: `/admin/onboardings/E-stuck/${action}`, headers: auth });
      expect(confirm.statusCode).toBe(200);
      expect(confirm.body).toContain(`<form method="post" action="/admin/onboardings/E-stuck/${action}"`);
      expect(confirm.body).toContain('href="/admin/onboardings/E-stuck">Cancel</a>');
    }
    const reissue = await t.app.inject({ method: 'GET', url: '/admin/onboardings/E-stuck/reissue', headers: auth });
    expect(reissue.body).toContain('This replaces the current pass and sends a new link.');
    const gone = await t.app.inject({ method: 'GET', url: '/admin/onboardings/E-gone/reissue', headers: auth });
    expect(gone.statusCode).toBe(303);
    expect((await t.app.inject({ method: 'GET', url: '/admin/onboardings/E-none/retry', headers: auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/admin/onboardings/E-stuck/retry' })).statusCode).toBe(401);
    expect(res.body).not.toContain('f'.repeat(64));
    expect((await t.app.inject({ method: 'GET', url: '/admin/onboardings/E-none', headers: auth })).statusCode).toBe(404);
  });

  it('Retry / Re-issue forms do what the API does and redirect back with a message', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/admin/onboardings/E-stuck/retry', headers: { ...auth, origin: 'http://localhost:80', host: 'localhost:80' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/onboardings/E-stuck?done=retry');
    const page = await t.app.inject({ method: 'GET', url: res.headers.location as string, headers: auth });
    expect(page.body).toContain('Retry requested');
    const audit = (await t.app.inject({ method: 'GET', url: '/api/onboardings/E-stuck/audit', headers: bearer() })).json();
    expect(audit.items.at(-1)).toMatchObject({ actor: 'ops', action: 'ops.retry.requested' });

    const cancelled = await t.app.inject({ method: 'POST', url: '/admin/onboardings/E-gone/reissue', headers: auth });
    expect(cancelled.headers.location).toBe('/admin/onboardings/E-gone?done=cancelled');
  });

  it('refuses cross-site form posts', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }]) {
      const res = await t.app.inject({ method: 'POST', url: '/admin/onboardings/E-stuck/reissue', headers: { ...auth, ...headers } });
      expect(res.statusCode).toBe(403);
    }
    // What a browser sends for our own form under Referrer-Policy: no-referrer.
    const own = await t.app.inject({ method: 'POST', url: '/admin/onboardings/E-stuck/reissue', headers: { ...auth, origin: 'null', 'sec-fetch-site': 'same-origin' } });
    expect(own.statusCode).toBe(303);
  });

  it('serves the queue dashboard behind the credential, with job data reduced to ids, type and dates', async () => {
    const b = JSON.stringify(hireCreated(t.clock.now(), 'E-board', { userPrincipalName: 'board.person@contoso.com' }));
    expect((await t.app.inject({ method: 'POST', url: '/webhooks/hr', payload: b, headers: signedHeaders(b, { at: t.clock.now() }) })).statusCode).toBe(202);

    const ui = await t.app.inject({ method: 'GET', url: '/admin/queues', headers: auth });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('__UI_CONFIG__');
    expect(String(ui.headers['content-security-policy'])).toContain("frame-ancestors 'none'");

    const api = await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues?activeQueue=hire-events&status=latest&page=1&jobsPerPage=10', headers: auth });
    expect(api.statusCode).toBe(200);
    const text = api.body;
    expect(text).toContain('E-board');
    expect(text).not.toContain('board.person@contoso.com');
    expect(text).not.toContain('sam.lee@contoso.com');
  });
});

describe('dashboard helpers', () => {
  it('safeJobView keeps ids, type and dates only', () => {
    const view = safeJobView({
      eventId: 'm1',
      seq: 3,
      receivedAt: '2026-01-01T00:00:00Z',
      event: { type: 'hire.created', timestamp: 't', data: { employeeId: 'E-1', userPrincipalName: 'x@y.z', startDate: '2026-12-01', tap: { lifetimeMinutes: 60 } } },
      reason: 'free text',
    });
    expect(view).toEqual({ eventId: 'm1', seq: 3, receivedAt: '2026-01-01T00:00:00Z', event: { type: 'hire.created', timestamp: 't', data: { employeeId: 'E-1', startDate: '2026-12-01' } } });
  });

  it('sortForOps puts failed and needs_attention first', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const a = makeRecord('A', now, { status: 'scheduled', activationAt: '2026-01-02T00:00:00Z' });
    const b = makeRecord('B', now, { status: 'failed', activationAt: '2026-01-09T00:00:00Z' });
    const c = makeRecord('C', now, { status: 'scheduled', activationAt: '2026-01-01T12:00:00Z' });
    expect(sortForOps([a, b, c]).map((r) => r.employeeId)).toEqual(['B', 'C', 'A']);
  });
});

describe('ops dashboard list beyond one page', () => {
  let t: TestApp;
  const auth = basic('ops', OPS_TOKEN);
  beforeAll(async () => {
    t = await makeTestApp();
    const store = new OnboardingStore(t.redis, t.prefix);
    const now = t.clock.now().getTime();
    // 505 onboardings, created a second apart: E-000 the oldest.
    for (let i = 0; i < 505; i++) {
      const at = new Date(now - (505 - i) * 1000);
      await store.create(makeRecord(`E-${String(i).padStart(3, '0')}`, at, { status: 'scheduled', createdAt: at.toISOString() }));
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const ids = (body: string) => [...body.matchAll(/>(E-\d{3})<\/a>/g)].map((m) => m[1]!);

  it('pages to older onboardings, keeping the status filter, and back to the newest', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/admin/?status=scheduled', headers: auth });
    expect(first.statusCode).toBe(200);
    expect(ids(first.body)).toHaveLength(500);
    expect(ids(first.body)).not.toContain('E-004');
    expect(first.body).toContain('Showing the newest 500.');
    const older = /href="(\/admin\/\?status=scheduled&amp;cursor=[A-Za-z0-9_-]+)">Older onboardings</.exec(first.body)?.[1];
    expect(older).toBeDefined();

    const second = await t.app.inject({ method: 'GET', url: older!.replaceAll('&amp;', '&'), headers: auth });
    expect(second.statusCode).toBe(200);
    expect(ids(second.body).sort()).toEqual(['E-000', 'E-001', 'E-002', 'E-003', 'E-004']);
    expect(second.body).toContain('<a href="/admin/?status=scheduled">Newest</a>');
    expect(second.body).not.toContain('>Older onboardings</a>');

    const bad = await t.app.inject({ method: 'GET', url: '/admin/?cursor=bm90LWEtY3Vyc29y', headers: auth });
    expect(bad.statusCode).toBe(400);
  });

  it('opens an onboarding by employee id from the list\'s form', async () => {
    const found = await t.app.inject({ method: 'GET', url: '/admin/find?employeeId=E-042', headers: auth });
    expect(found.statusCode).toBe(303);
    expect(found.headers.location).toBe('/admin/onboardings/E-042');
    expect((await t.app.inject({ method: 'GET', url: '/admin/find?employeeId=..%2Fapi', headers: auth })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/admin/find?employeeId=E-042' })).statusCode).toBe(401);
  });
});
