import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { QUEUES, redisKeys, type OnboardingRecord } from '@hirepass/core';

export const redisUrl = () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix of its own per run; every key under it is deleted afterwards (never FLUSHALL). */
export const benchPrefix = (name: string) => `bench-${name}-${randomUUID().slice(0, 8)}`;

export async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 2000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(redis, prefix);
  for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
  return keys.length;
}

export async function liveWorkers(redis: Redis, prefix: string): Promise<number> {
  // The whole keyspace: one SCAN call covers only COUNT slots, and a shared Redis holds many keys.
  // Small steps: a large COUNT holds Redis for milliseconds, which other benchmarks' p99 sees.
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', redisKeys(prefix).workerHeartbeatPattern, 'COUNT', 1_000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

/** The records of the given employees (MGET in batches). */
export async function records(redis: Redis, prefix: string, employeeIds: string[]): Promise<Array<OnboardingRecord | null>> {
  const k = redisKeys(prefix);
  const out: Array<OnboardingRecord | null> = [];
  for (let i = 0; i < employeeIds.length; i += 500) {
    const raws = await redis.mget(...employeeIds.slice(i, i + 500).map((id) => k.onboarding(id)));
    for (const raw of raws) out.push(raw ? (JSON.parse(raw) as OnboardingRecord) : null);
  }
  return out;
}

const BULL_STRUCTURES = new Set(['completed', 'failed', 'delayed', 'wait', 'active', 'paused', 'meta', 'id', 'events', 'marker', 'prioritized', 'pc', 'stalled-check', 'stalled', 'limiter', 'waiting-children', 'de', 'repeat']);

/** What a key is, by the names in core/store/keys.ts and BullMQ's layout under `${prefix}:${queue}:`. */
export function keyCategory(prefix: string, key: string): string {
  const rest = key.slice(prefix.length + 1);
  for (const q of Object.values(QUEUES)) {
    if (rest.startsWith(`${q}:`)) {
      const tail = rest.slice(q.length + 1);
      return BULL_STRUCTURES.has(tail) ? `bullmq ${q} (queue structures)` : `bullmq ${q} (job hashes)`;
    }
  }
  const head = rest.split(':')[0] ?? rest;
  const names: Record<string, string> = {
    record: 'onboarding records',
    records: 'onboarding index',
    'record-history': 'rehire history',
    event: 'event receipts',
    'event-seq': 'event sequence',
    audit: rest === 'audit' ? 'audit (global stream)' : 'audit (per-onboarding streams)',
    reveal: 'reveal links',
    passcode: 'sealed passcodes',
    lease: 'employee leases',
    worker: 'worker heartbeats',
    'rate-limit': 'API rate limit',
  };
  return names[head] ?? `other (${head})`;
}

export interface MemoryByCategory {
  category: string;
  keys: number;
  bytes: number;
  /** Keys of this category that expire by themselves (a TTL), e.g. receipts and sealed passcodes. */
  keysWithTtl: number;
}

/** MEMORY USAGE of every key under the prefix, by category (other tenants of this Redis do not count). */
export async function memoryByCategory(redis: Redis, prefix: string): Promise<MemoryByCategory[]> {
  const keys = await scanKeys(redis, prefix);
  const by = new Map<string, MemoryByCategory>();
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    const pipe = redis.pipeline();
    for (const key of batch) {
      pipe.memory('USAGE', key);
      pipe.pttl(key);
    }
    const res = (await pipe.exec()) ?? [];
    batch.forEach((key, j) => {
      const bytes = Number(res[2 * j]?.[1] ?? 0);
      const ttl = Number(res[2 * j + 1]?.[1] ?? -1);
      const category = keyCategory(prefix, key);
      const c = by.get(category) ?? { category, keys: 0, bytes: 0, keysWithTtl: 0 };
      c.keys += 1;
      c.bytes += bytes;
      if (ttl > 0) c.keysWithTtl += 1;
      by.set(category, c);
    });
  }
  return [...by.values()].sort((a, b) => b.bytes - a.bytes);
}

export function newRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null });
}

/** The Redis server's CPU time so far (user + system, all threads), from INFO: works for a remote Redis too. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (field: string) => Number(new RegExp(`^${field}:([0-9.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1000;
}
