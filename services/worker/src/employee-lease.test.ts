import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisKeys } from '@hirepass/core';
import { EmployeeLeases } from './employee-lease';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `t-${randomUUID()}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('employee lease', () => {
  it('lets one holder in per employee, renews while held, and frees on release', async () => {
    const leases = new EmployeeLeases(redis, prefix, 300);
    const a = await leases.acquire('E-1', () => undefined);
    expect(a).not.toBeNull();
    expect(await leases.acquire('E-1', () => undefined)).toBeNull();
    const other = await leases.acquire('E-2', () => undefined);
    expect(other).not.toBeNull();
    // Held past its TTL: the renewal keeps it (wait on the condition: a few renewals happened).
    const key = redisKeys(prefix).employeeLease('E-1');
    const until = Date.now() + 2_000;
    let renewed = false;
    while (Date.now() < until && !renewed) {
      await new Promise((r) => setTimeout(r, 50));
      renewed = (await redis.pttl(key)) > 200 && Date.now() > until - 1_400;
    }
    expect(renewed).toBe(true);
    expect(await leases.acquire('E-1', () => undefined)).toBeNull();
    await a!.release();
    await other!.release();
    expect(await redis.exists(key)).toBe(0);
    const again = await leases.acquire('E-1', () => undefined);
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('never releases a lease someone else holds now', async () => {
    const leases = new EmployeeLeases(redis, prefix, 30_000);
    const mine = await leases.acquire('E-3', () => undefined);
    const key = redisKeys(prefix).employeeLease('E-3');
    await redis.set(key, 'someone-else', 'PX', 30_000); // ours lapsed and was taken
    let lost = false;
    const watcher = new EmployeeLeases(redis, prefix, 150);
    const short = await watcher.acquire('E-4', () => (lost = true));
    await redis.set(redisKeys(prefix).employeeLease('E-4'), 'thief', 'PX', 30_000);
    const until = Date.now() + 2_000;
    while (!lost && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    expect(lost).toBe(true);
    expect(short!.held).toBe(false);
    await mine!.release();
    expect(await redis.get(key)).toBe('someone-else');
    await short!.release();
    expect(await redis.get(redisKeys(prefix).employeeLease('E-4'))).toBe('thief');
  });
});
