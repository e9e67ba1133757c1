import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { QUEUES, parseHireEvent, redisKeys } from '@hirepass/core';
import { eventJobId } from '../src/webhook/ingest';
import { bearer, hireCreated, makeTestApp, signedHeaders, type TestApp } from './helpers';

const ZONE = 'America/New_York';

function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Milliseconds from `at` to one hour past the next local midnight (the hour absorbs a DST change). */
function msPastNextLocalMidnight(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const sinceLocalMidnight = ((n('hour') * 60 + n('minute')) * 60 + n('second')) * 1000;
  return 86_400_000 - sinceLocalMidnight + 3_600_000;
}

/**
 * spec/hr-webhook.md: a retry of an accepted webhook-id is a 200, and anything but a 2xx means
 * nothing was stored. The late-start check depends on the day, so the same body can pass it
 * when first delivered and fail it when HR redelivers after the hire's local midnight.
 */
describe('POST /webhooks/hr: a retry of an accepted event after local midnight', () => {
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

  it('is 200 duplicate with the first answer, while a fresh id with the same body is 400 and stores nothing', async () => {
    const today = localDate(t.clock.now(), ZONE);
    const b = JSON.stringify(hireCreated(t.clock.now(), 'E-midnight', { startDate: today, timeZone: ZONE }));
    const first = await t.app.inject({ method: 'POST', url: '/webhooks/hr', payload: b, headers: signedHeaders(b, { at: t.clock.now(), id: 'msg_midnight' }) });
    expect(first.statusCode, first.body).toBe(202);

    t.clock.advance(msPastNextLocalMidnight(t.clock.now(), ZONE));
    expect(localDate(t.clock.now(), ZONE)).not.toBe(today);
    // The premise: the very same bytes are now refused by the late-start check.
    const now = parseHireEvent(Buffer.from(b), { now: t.clock.now(), lateStartGraceDays: t.config.lateStartGraceDays });
    expect(now.ok ? [] : now.errors.map((e) => e.field)).toEqual(['/data/startDate']);

    // HR signs each delivery anew, so the retry carries a fresh timestamp and the same id.
    const retry = await t.app.inject({ method: 'POST', url: '/webhooks/hr', payload: b, headers: signedHeaders(b, { at: t.clock.now(), id: 'msg_midnight' }) });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toEqual({ eventId: 'msg_midnight', employeeId: 'E-midnight', status: 'duplicate' });

    const fresh = await t.app.inject({ method: 'POST', url: '/webhooks/hr', payload: b, headers: signedHeaders(b, { at: t.clock.now(), id: 'msg_midnight_fresh' }) });
    expect(fresh.statusCode).toBe(400);
    expect(fresh.json().errors.map((e: { field: string }) => e.field)).toEqual(['/data/startDate']);
    expect(await t.redis.exists(redisKeys(t.prefix).eventReceipt('msg_midnight_fresh'), queue.toKey(eventJobId('msg_midnight_fresh')))).toBe(0);

    const audit = await t.app.inject({ method: 'GET', url: '/api/onboardings/E-midnight/audit', headers: bearer() });
    expect(audit.json().items.map((e: { action: string; actor: string }) => `${e.actor}:${e.action}`)).toEqual(['hr:event.accepted', 'hr:event.duplicate']);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    expect(jobs.map((j) => j.data.eventId)).toEqual(['msg_midnight']);
  });
});
