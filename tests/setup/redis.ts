import { Redis } from 'ioredis';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * REDIS_URL first, then the local default, then a testcontainers Redis where a Docker
 * engine answers (it fails within milliseconds when none does).
 */
export async function resolveTestRedis(): Promise<TestRedis> {
  const candidates = [process.env.REDIS_URL, 'redis://127.0.0.1:6379'].filter((u): u is string => !!u);
  for (const url of candidates) {
    if (await answers(url)) return { url, stop: async () => {} };
  }
  try {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
  } catch (err) {
    throw new Error(
      `No Redis for the tests: none answers at ${candidates.join(' or ')} and no Docker engine could start one ` +
        `(${(err as Error).message.split('\n')[0]}). Start a local redis-server or set REDIS_URL.`,
    );
  }
}
