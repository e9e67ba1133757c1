import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { IssuanceHolds, silentLog } from '@hirepass/core';
import { startHeldWakeup } from './held-wakeup';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `t-${randomUUID()}`;
const bull = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const queue = new Queue('onboarding', { connection: bull, prefix });
afterAll(async () => {
  await queue.close();
  bull.disconnect();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('waking the onboardings the issuance guard held', () => {
  it('promotes held delayed jobs only once issuance is open, and skips ids whose job ran or is gone', async () => {
    const holds = new IssuanceHolds(redis, prefix);
    let open = false;
    // A long interval: the test drives the looks itself.
    const wakeup = startHeldWakeup({ holds, isOpen: async () => open, queue, log: silentLog, everyMs: 60_000 });
    try {
      const held = await queue.add('activate', { employeeId: 'E-HELD' }, { jobId: 'held-1', delay: 60_000 });
      const notHeld = await queue.add('activate', { employeeId: 'E-LATER' }, { jobId: 'later-1', delay: 60_000 });
      const alreadyWaiting = await queue.add('activate', { employeeId: 'E-RAN' }, { jobId: 'ran-1' });
      for (const id of [held.id!, alreadyWaiting.id!, 'gone-1']) await holds.add(id);

      expect(await wakeup.tick()).toBe(0);
      expect(await queue.getJobState(held.id!)).toBe('delayed');
      expect(await holds.size()).toBe(3);

      open = true;
      expect(await wakeup.tick()).toBe(1);
      expect(await queue.getJobState(held.id!)).toBe('waiting');
      // A job delayed for another reason (a future activation instant) is left alone.
      expect(await queue.getJobState(notHeld.id!)).toBe('delayed');
      expect(await queue.getJobState(alreadyWaiting.id!)).toBe('waiting');
      expect(await holds.size()).toBe(0);
      expect(await wakeup.tick()).toBe(0);
    } finally {
      await wakeup.stop();
    }
  });

  it('wakes a large hold in batches', async () => {
    const holds = new IssuanceHolds(redis, prefix);
    const wakeup = startHeldWakeup({ holds, isOpen: async () => true, queue, log: silentLog, everyMs: 60_000 });
    try {
      const jobs = await queue.addBulk(Array.from({ length: 450 }, (_, i) => ({ name: 'activate', data: { employeeId: `E-B${i}` }, opts: { jobId: `bulk-${i}`, delay: 60_000 } })));
      for (const j of jobs) await holds.add(j.id!);
      expect(await wakeup.tick()).toBe(450);
      const states = await Promise.all(jobs.map((j) => queue.getJobState(j.id!)));
      expect(new Set(states)).toEqual(new Set(['waiting']));
    } finally {
      await wakeup.stop();
    }
  });
});
