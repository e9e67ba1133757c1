import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { QUEUES } from '@hirepass/core';
import { bearer, hireCreated, makeTestApp, signedHeaders, type TestApp } from '../../test/helpers';

type LogLine = Record<string, unknown> & { msg: string; reqId?: string };

describe('webhook ingest: stored in two round trips, logged in one line', () => {
  let t: TestApp;
  let queue: Queue;
  beforeAll(async () => {
    t = await makeTestApp();
    queue = new Queue(QUEUES.events, { connection: t.redis, prefix: t.prefix });
  });
  afterAll(async () => {
    await queue?.close();
    await t?.close();
  });

  const lines = () => t.logs.lines.map((l) => JSON.parse(l) as LogLine);
  const post = (body: string, headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/webhooks/hr', payload: body, headers });

  it('writes one line per request, naming the event, and none when the request comes in', async () => {
    const b = JSON.stringify(hireCreated(t.clock.now(), 'E-log-1'));
    expect((await post(b, signedHeaders(b, { at: t.clock.now(), id: 'msg_log_1' }))).statusCode).toBe(202);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    const all = lines();
    expect(all.filter((l) => l.msg === 'incoming request')).toEqual([]);
    const received = all.filter((l) => l.eventId === 'msg_log_1');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      msg: 'hire event received',
      eventId: 'msg_log_1',
      employeeId: 'E-log-1',
      type: 'hire.created',
      outcome: 'accepted',
      req: { method: 'POST', url: '/webhooks/hr', route: '/webhooks/hr' },
      res: { statusCode: 202 },
      responseTime: expect.any(Number),
      reqId: expect.any(String),
    });
    expect(all.filter((l) => l.reqId === received[0]!.reqId)).toHaveLength(1);
    expect(all.find((l) => (l.req as { url?: string } | undefined)?.url === '/healthz')).toMatchObject({ msg: 'request completed', res: { statusCode: 200 } });
  });

  it('says why a signature was refused on the same line', async () => {
    const b = JSON.stringify(hireCreated(t.clock.now()));
    const res = await post(b, { ...signedHeaders(b, { at: t.clock.now(), id: 'msg_log_bad' }), 'webhook-signature': 'v1,AAAA' });
    expect(res.statusCode).toBe(401);
    expect(lines().find((l) => l.msg === 'webhook signature refused')).toMatchObject({ reason: 'no-matching-signature', res: { statusCode: 401 } });
  });

  it('of concurrent copies, one is accepted and audited as such; the others are duplicates; one job', async () => {
    const b = JSON.stringify(hireCreated(t.clock.now(), 'E-race'));
    const headers = signedHeaders(b, { at: t.clock.now(), id: 'msg_race' });
    const answers = await Promise.all(Array.from({ length: 12 }, () => post(b, headers)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array(11).fill(200), 202]);
    const audit = await t.app.inject({ method: 'GET', url: '/api/onboardings/E-race/audit', headers: bearer() });
    const actions = (audit.json() as { items: { action: string }[] }).items.map((e) => e.action);
    expect(actions.filter((a) => a === 'event.accepted')).toHaveLength(1);
    expect(actions.filter((a) => a === 'event.duplicate')).toHaveLength(11);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    expect(jobs.filter((j) => j.data.eventId === 'msg_race')).toHaveLength(1);
  });

  it('stores the job as a queue add would: name, data, retry policy, retention, waiting', async () => {
    const event = hireCreated(t.clock.now(), 'E-job');
    const b = JSON.stringify(event);
    expect((await post(b, signedHeaders(b, { at: t.clock.now(), id: 'msg_job' }))).statusCode).toBe(202);
    const job = (await queue.getJobs(['waiting'])).find((j) => j.data.eventId === 'msg_job');
    expect(job).toBeDefined();
    expect(job!.name).toBe('apply-hire-event');
    expect(job!.data).toEqual({ eventId: 'msg_job', seq: expect.any(Number), receivedAt: t.clock.now().toISOString(), event });
    expect(job!.opts).toMatchObject({ attempts: 30, backoff: { type: 'capped-exponential' }, removeOnComplete: { age: 7 * 24 * 3600, count: 50_000 } });
    expect(await queue.getJobState(job!.id!)).toBe('waiting');
  });
});
