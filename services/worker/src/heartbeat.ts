import type { Redis } from 'ioredis';
import { redisKeys, type Clock } from '@hirepass/core';

export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_TTL_SECONDS = 30;

/**
 * The worker's sign of life for the API's /readyz: a key with a 30 s TTL renewed every 10 s,
 * so a crashed worker disappears by itself within half a minute.
 */
export function startHeartbeat(redis: Redis, prefix: string, workerId: string, clock: Clock, onError: (err: unknown) => void) {
  const key = redisKeys(prefix).workerHeartbeat(workerId);
  const startedAt = clock.now().toISOString();
  const beat = () =>
    redis
      .set(key, JSON.stringify({ workerId, pid: process.pid, startedAt, at: clock.now().toISOString() }), 'EX', HEARTBEAT_TTL_SECONDS)
      .catch(onError);
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    first: beat(),
    async stop(): Promise<void> {
      clearInterval(timer);
      await redis.del(key).catch(onError);
    },
  };
}
