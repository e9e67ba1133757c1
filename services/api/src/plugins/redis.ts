import { Redis } from 'ioredis';

/**
 * The API's Redis connection fails fast: a webhook must get a 503 (and the HR system retry)
 * rather than hang while commands pile up in an offline queue. Reconnection goes on in the
 * background, so the API recovers by itself when Redis comes back.
 */
export function createApiRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 5_000,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
  });
  return redis;
}

export function redisIsReady(redis: Redis): boolean {
  // The status turns from 'ready' an event-loop turn after the socket drops; a command sent in
  // between fails with "Stream isn't writeable", and that is Redis down too (503, not 500).
  const stream = redis.stream as { writable?: boolean } | undefined;
  return redis.status === 'ready' && stream?.writable !== false;
}

/**
 * Resolves once the first connection attempt is over, either way: a refused connection must
 * not keep the app from starting (it answers 503 until Redis is back).
 */
export async function firstConnectSettled(redis: Redis, timeoutMs = 2_500): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'end') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      redis.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
    redis.once('error', done);
    redis.once('end', done);
  });
}

/** Runs `op`, giving up after `ms`: a hung Redis must not hold a request forever. */
export async function withTimeout<T>(op: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      op,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
