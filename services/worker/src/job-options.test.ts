import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES, jobId, type OnboardingJob } from '@hirepass/core';
import { applyFollowUps } from './follow-ups';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connection = new Redis(url, { maxRetriesPerRequest: null });
const prefix = `t-${randomUUID()}`;
afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await connection.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  connection.disconnect();
});

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const ref = (i: number): OnboardingJob => ({ employeeId: `E-${i}`, onboardingId: `o${i}`, generation: 1 });

describe('job priorities', () => {
  it('runs a due activate job before a backlog of prepare jobs, and an ops job before both', async () => {
    const queue = new Queue(QUEUES.onboarding, { connection, prefix });
    const prepares = [1, 2, 3, 4].map((i) => ({ name: 'prepare' as const, data: ref(i), jobId: jobId('prepare', `o${i}`, 1, 1), delayMs: 0 }));
    await applyFollowUps(queue, { followUps: prepares, removeJobIds: [] }, silent);
    await applyFollowUps(queue, { followUps: [{ name: 'activate', data: ref(9), jobId: jobId('activate', 'o9', 1), delayMs: 0 }], removeJobIds: [] }, silent);
    // As the API adds it: no priority, so ahead of every prioritized job.
    await queue.add('retry', { ...ref(7), actor: 'ops', requestedAt: 'now' }, { jobId: jobId('retry', 'o7', 1) });

    const order: string[] = [];
    const worker = new Worker(
      QUEUES.onboarding,
      async (job) => {
        order.push(`${job.name}:${(job.data as OnboardingJob).employeeId}`);
      },
      { connection, prefix, concurrency: 1 },
    );
    try {
      const until = Date.now() + 10_000;
      while (order.length < 6 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await worker.close();
      await queue.close();
    }
    expect(order).toEqual(['retry:E-7', 'activate:E-9', 'prepare:E-1', 'prepare:E-2', 'prepare:E-3', 'prepare:E-4']);
  });
});
