import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { QUEUES } from '@hirepass/core';

export interface ApiQueues {
  events: Queue;
  onboarding: Queue;
}

/** Producer-side queues on the API's shared (fail-fast) connection; BullMQ does not close a shared one. */
export function createQueues(redis: Redis, prefix: string, log: FastifyBaseLogger): ApiQueues {
  const make = (name: string) => {
    const q = new Queue(name, { connection: redis, prefix });
    // Without a listener an 'error' event would be thrown; Redis outages are reported by /readyz.
    q.on('error', (err) => log.warn({ queue: name, err: { message: err.message } }, 'queue connection error'));
    return q;
  };
  return { events: make(QUEUES.events), onboarding: make(QUEUES.onboarding) };
}

export async function closeQueues(queues: ApiQueues): Promise<void> {
  await Promise.allSettled([queues.events.close(), queues.onboarding.close()]);
}
