import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { EventReceipts, QUEUES } from '@hirepass/core';
import { OwnRedis } from '../../../scripts/chaos/own-redis';
import { buildApp } from '../src/index';
import { eventJobId } from '../src/webhook/ingest';
import { LogSink, hireCreated, signedHeaders, testConfig } from './helpers';

/**
 * Issue 5: a 2xx means the event survives a Redis restart. Against a redis-server of this
 * test's own, configured as hirepass requires (AOF, appendfsync everysec): an event answered
 * 202 is still there, job and receipt, after Redis is killed outright (SIGKILL, no shutdown
 * save) and started again; the API answers 503 with Retry-After while it is down and
 * recognises the retried webhook-id as a duplicate afterwards.
 */
describe('a 202 survives a Redis crash and restart (AOF)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hirepass-redis-restart-'));
  let redis: OwnRedis;
  let app: FastifyInstance;
  const sink = new LogSink();
  const prefix = 'durable';
  beforeAll(async () => {
    redis = await OwnRedis.start(dir);
    app = await buildApp({ config: testConfig(prefix, { REDIS_URL: redis.url }), logDestination: sink });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: string, id: string) =>
    app.inject({ method: 'POST', url: '/webhooks/hr', payload: body, headers: signedHeaders(body, { id }) });

  it('keeps the job and the receipt, refuses while down, and answers the retry as a duplicate', async () => {
    const event = hireCreated(new Date(), 'E-DURABLE');
    const body = JSON.stringify(event);
    const first = await post(body, 'evt-durable-1');
    expect(first.statusCode).toBe(202);
    // everysec may postpone the AOF write while an fsync or the start-up rewrite runs: the
    // guarantee holds once the write is in the file (see OwnRedis.aofSettled and the README).
    await redis.aofSettled();

    let whileDown: { statusCode: number; headers: Record<string, unknown>; body: string } | undefined;
    await redis.restart(async () => {
      const other = JSON.stringify(hireCreated(new Date(), 'E-DURING'));
      whileDown = await post(other, 'evt-during-1');
    }, 'SIGKILL');
    expect(whileDown?.statusCode, `${whileDown?.body}\n${sink.lines.slice(-3).join('\n')}`).toBe(503);
    expect(Number(whileDown?.headers['retry-after'])).toBeGreaterThan(0);

    const check = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.events, { connection: check, prefix });
    try {
      const job = await queue.getJob(eventJobId('evt-durable-1'));
      expect(job?.data).toMatchObject({ eventId: 'evt-durable-1', event });
      expect(await new EventReceipts(check, prefix).get('evt-durable-1')).toMatchObject({ eventId: 'evt-durable-1', employeeId: 'E-DURABLE' });
      // Nothing of the event refused while Redis was down.
      expect(await queue.getJob(eventJobId('evt-during-1'))).toBeUndefined();
      expect(await new EventReceipts(check, prefix).get('evt-during-1')).toBeNull();
    } finally {
      await queue.close();
      check.disconnect();
    }

    // The API reconnects by itself; the HR system's retry of the accepted event is a duplicate.
    let again = await post(body, 'evt-durable-1');
    for (let i = 0; i < 100 && again.statusCode === 503; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await post(body, 'evt-durable-1');
    }
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ eventId: 'evt-durable-1', employeeId: 'E-DURABLE', status: 'duplicate' });
  });
});
