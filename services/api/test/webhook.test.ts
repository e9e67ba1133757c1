import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { QUEUES, redisKeys } from '@hirepass/core';
import { eventJobId } from '../src/webhook/ingest';
import { SECRET_A, SECRET_B, hireCreated, makeTestApp, signedHeaders, storedKeys, type TestApp } from './helpers';

async function post(t: TestApp, body: string | Buffer, headers: Record<string, string>) {
  return t.app.inject({ method: 'POST', url: '/webhooks/hr', payload: body, headers });
}

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const p = res.json();
  expect(p).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  return p;
}

describe('POST /webhooks/hr: rejections store nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const body = () => JSON.stringify(hireCreated(t.clock.now()));

  it.each([['webhook-id'], ['webhook-timestamp'], ['webhook-signature']])('401 when %s is missing', async (header) => {
    const b = body();
    const headers = signedHeaders(b, { at: t.clock.now() });
    delete headers[header];
    expectProblem(await post(t, b, headers), 401);
  });

  it('401 for a malformed signature, a wrong secret, a non-integer timestamp', async () => {
    const b = body();
    const good = signedHeaders(b, { at: t.clock.now() });
    expectProblem(await post(t, b, { ...good, 'webhook-signature': 'v1,not base64!' }), 401);
    expectProblem(await post(t, b, { ...good, 'webhook-signature': 'v1' }), 401);
    expectProblem(await post(t, b, signedHeaders(b, { at: t.clock.now(), secret: SECRET_B })), 401);
    expectProblem(await post(t, b, { ...good, 'webhook-timestamp': `${good['webhook-timestamp']}.0` }), 401);
    expectProblem(await post(t, b, { ...good, 'webhook-timestamp': 'yesterday' }), 401);
  });

  it('401 for stale and future timestamps (tolerance both ways)', async () => {
    const b = body();
    const now = t.clock.now().getTime();
    const p = expectProblem(await post(t, b, signedHeaders(b, { at: new Date(now - 301_000) })), 401);
    expectProblem(await post(t, b, signedHeaders(b, { at: new Date(now + 301_000) })), 401);
    // The answer never names a secret or says which one was tried.
    expect(JSON.stringify(p)).not.toContain(SECRET_A.slice(6, 20));
    expect(JSON.stringify(p)).not.toMatch(/secret/i);
  });

  it('401 when the signature is over other bytes (re-serialised JSON, another webhook-id)', async () => {
    const b = body();
    const headers = signedHeaders(b, { at: t.clock.now() });
    expectProblem(await post(t, JSON.stringify(JSON.parse(b), null, 2), headers), 401);
    expectProblem(await post(t, b, { ...headers, 'webhook-id': 'msg_other' }), 401);
  });

  it('400 problem JSON naming each bad field, after a valid signature', async () => {
    const event = hireCreated(t.clock.now(), 'E-400', { startDate: '2026-02-30', timeZone: 'Mars/Olympus', colour: 'blue' });
    const b = JSON.stringify(event);
    const p = expectProblem(await post(t, b, signedHeaders(b, { at: t.clock.now() })), 400);
    expect(p.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: '/data/colour' })]));

    const b2 = JSON.stringify(hireCreated(t.clock.now(), 'E-401', { startDate: '2026-02-30', timeZone: 'Mars/Olympus' }));
    const p2 = expectProblem(await post(t, b2, signedHeaders(b2, { at: t.clock.now() })), 400);
    expect(p2.errors.map((e: { field: string }) => e.field).sort()).toEqual(['/data/startDate', '/data/timeZone']);

    const dup = '{"type":"hire.cancelled","type":"hire.cancelled","timestamp":"2026-11-28T10:00:00Z","data":{"employeeId":"E-1"}}';
    expectProblem(await post(t, dup, signedHeaders(dup, { at: t.clock.now() })), 400);

    const past = JSON.stringify(hireCreated(t.clock.now(), 'E-402', { startDate: '2020-01-01' }));
    const p3 = expectProblem(await post(t, past, signedHeaders(past, { at: t.clock.now() })), 400);
    expect(p3.errors[0].field).toBe('/data/startDate');
  });

  it('413 for a body over 256 KiB, before any parsing', async () => {
    const big = `{"pad":"${'x'.repeat(256 * 1024)}"}`;
    expectProblem(await post(t, big, signedHeaders(big, { at: t.clock.now() })), 413);
  });

  it('415 for anything but JSON', async () => {
    const b = body();
    expectProblem(await post(t, b, signedHeaders(b, { at: t.clock.now(), contentType: 'text/plain' })), 415);
    expectProblem(await post(t, b, signedHeaders(b, { at: t.clock.now(), contentType: 'application/x-www-form-urlencoded' })), 415);
    const { ['content-type']: _dropped, ...noType } = signedHeaders(b, { at: t.clock.now() });
    expectProblem(await post(t, b, noType), 415);
  });

  it('has stored nothing after all of the above', async () => {
    expect(await storedKeys(t)).toEqual([]);
  });

  it('counts rejections by reason in /metrics, and keeps the signature out of the logs', async () => {
    const m = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(m.body).toMatch(/hirepass_webhooks_total\{outcome="rejected",reason="signature"\} \d+/);
    expect(m.body).toMatch(/hirepass_webhooks_total\{outcome="rejected",reason="schema"\} \d+/);
    expect(m.body).toMatch(/hirepass_webhooks_total\{outcome="rejected",reason="too_large"\} 1/);
    expect(m.body).toMatch(/hirepass_webhooks_total\{outcome="rejected",reason="media_type"\} 3/);
    const b = body();
    const h = signedHeaders(b, { at: t.clock.now(), secret: SECRET_B });
    await post(t, b, h);
    expect(t.logs.text).not.toContain(h['webhook-signature']!.slice(3));
  });
});

describe('POST /webhooks/hr: accepted events', () => {
  let t: TestApp;
  let queue: Queue;
  beforeAll(async () => {
    t = await makeTestApp({ HR_WEBHOOK_SECRETS: `${SECRET_B},${SECRET_A}` });
    queue = new Queue(QUEUES.events, { connection: t.redis, prefix: t.prefix });
  });
  afterAll(async () => {
    await queue?.close();
    await t?.close();
  });

  it('202 stores a job, a receipt and an audit entry; a retry is 200 duplicate with the same body', async () => {
    const event = hireCreated(t.clock.now(), 'E-10042');
    const b = JSON.stringify(event);
    const headers = signedHeaders(b, { at: t.clock.now(), id: 'msg_first' });
    const res = await post(t, b, headers);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ eventId: 'msg_first', employeeId: 'E-10042', status: 'accepted' });

    const job = await queue.getJob(eventJobId('msg_first'));
    expect(job?.name).toBe('apply-hire-event');
    expect(job?.data).toMatchObject({ eventId: 'msg_first', seq: expect.any(Number), receivedAt: t.clock.now().toISOString(), event });
    expect(job?.opts.attempts).toBe(30);
    expect(await t.redis.exists(redisKeys(t.prefix).eventReceipt('msg_first'))).toBe(1);

    const again = await post(t, b, signedHeaders(b, { at: t.clock.now(), id: 'msg_first' }));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ eventId: 'msg_first', employeeId: 'E-10042', status: 'duplicate' });

    const audit = await t.app.inject({ method: 'GET', url: '/api/onboardings/E-10042/audit', headers: { authorization: 'Bearer test-ops-token-0123456789' } });
    expect(audit.json().items.map((e: { action: string; actor: string }) => `${e.actor}:${e.action}`)).toEqual(['hr:event.accepted', 'hr:event.duplicate']);
  });

  it('accepts either secret while both are configured (rotation)', async () => {
    for (const secret of [SECRET_A, SECRET_B]) {
      const b = JSON.stringify(hireCreated(t.clock.now()));
      expect((await post(t, b, signedHeaders(b, { at: t.clock.now(), secret }))).statusCode).toBe(202);
    }
  });

  it('accepts a cancellation for an unknown employee (202)', async () => {
    const b = JSON.stringify({ type: 'hire.cancelled', timestamp: t.clock.now().toISOString(), data: { employeeId: 'E-nobody', reason: 'offer withdrawn' } });
    expect((await post(t, b, signedHeaders(b, { at: t.clock.now() }))).statusCode).toBe(202);
  });

  it('10 concurrent copies of one webhook: exactly one 202, nine 200, one job', async () => {
    const b = JSON.stringify(hireCreated(t.clock.now(), 'E-concurrent'));
    const headers = signedHeaders(b, { at: t.clock.now(), id: 'msg_concurrent' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(t, b, headers)));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    for (const a of answers) expect(a.json()).toMatchObject({ eventId: 'msg_concurrent', employeeId: 'E-concurrent' });
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    expect(jobs.filter((j) => j.data.eventId === 'msg_concurrent')).toHaveLength(1);
  });

  it('counts accepted and duplicate webhooks', async () => {
    const m = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(m.body).toMatch(/hirepass_webhooks_total\{outcome="accepted",reason="none"\} 5/);
    expect(m.body).toMatch(/hirepass_webhooks_total\{outcome="duplicate",reason="none"\} 10/);
  });
});

describe('POST /webhooks/hr: rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ HR_WEBHOOK_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('429 problem JSON with Retry-After beyond the per-address limit, shared through Redis', async () => {
    const b = JSON.stringify(hireCreated(t.clock.now()));
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await post(t, b, signedHeaders(b, { at: t.clock.now() }))).statusCode);
    expect(codes.every((c) => c === 202 || c === 200)).toBe(true);
    const res = await post(t, b, signedHeaders(b, { at: t.clock.now() }));
    expectProblem(res, 429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // The count lives in Redis, so a second API process sees it too.
    expect((await t.keys()).some((k) => k.startsWith(`${t.prefix}:rate-limit:`))).toBe(true);
  });
});
