import { afterAll, describe, expect, it } from 'vitest';
import { redisForTest } from '../testing/redis-test-prefix';
import { AuditTrail } from './audit-trail';
import { redisKeys } from './keys';

const { redis, prefix, cleanup } = redisForTest();
afterAll(cleanup);

const entry = (employeeId: string, detail?: string) => ({
  at: new Date().toISOString(),
  employeeId,
  actor: 'worker',
  action: 'tap.issued',
  outcome: 'success' as const,
  ...(detail ? { detail } : {}),
});

describe('AuditTrail retention (AUDIT_RETENTION_DAYS)', () => {
  it('trims global entries older than the retention on every append, and keeps newer ones', async () => {
    const p = `${prefix}r1`;
    const keys = redisKeys(p);
    const day = 86_400_000;
    // Entries as Redis would have stamped them 40 and 20 days ago.
    await redis.xadd(keys.auditGlobal, `${Date.now() - 40 * day}-0`, 'action', 'old');
    await redis.xadd(keys.auditGlobal, `${Date.now() - 20 * day}-0`, 'action', 'recent');
    await new AuditTrail(redis, p, { maxAgeDays: 30 }).append(entry('A1'));
    const actions = (await redis.xrange(keys.auditGlobal, '-', '+')).map(([, f]) => f[f.indexOf('action') + 1]);
    expect(actions).toEqual(['recent', 'tap.issued']);
  });

  it("lets an onboarding's stream expire the retention after its last entry", async () => {
    const p = `${prefix}r2`;
    const audit = new AuditTrail(redis, p, { maxAgeDays: 30 });
    await audit.append(entry('A2'));
    const ttl = await redis.pttl(redisKeys(p).auditStream('A2'));
    expect(ttl).toBeGreaterThan(29 * 86_400_000);
    expect(ttl).toBeLessThanOrEqual(30 * 86_400_000);
    expect(await audit.forEmployee('A2')).toHaveLength(1);
  });

  it("reads an employee's whole trail, oldest first, past a thousand entries", async () => {
    const p = `${prefix}r5`;
    const audit = new AuditTrail(redis, p);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1_200; i++) pipeline.xadd(redisKeys(p).auditStream('A5'), '*', 'action', `a${i}`, 'employeeId', 'A5');
    await pipeline.exec();
    const all = await audit.forEmployee('A5');
    expect(all).toHaveLength(1_200);
    expect(all.at(0)?.action).toBe('a0');
    expect(all.at(-1)?.action).toBe('a1199');
    expect(await audit.forEmployee('A5', 10)).toHaveLength(10);
  });

  it('defaults to 400 days', async () => {
    const p = `${prefix}r3`;
    await new AuditTrail(redis, p).append(entry('A3'));
    expect(await redis.pttl(redisKeys(p).auditStream('A3'))).toBeGreaterThan(399 * 86_400_000);
  });

  it('never stores a reveal link, even when a caller puts one in a detail', async () => {
    const p = `${prefix}r4`;
    const token = 'A'.repeat(43);
    const audit = new AuditTrail(redis, p);
    await audit.append(entry('A4', `notice with https://hirepass.example.com/reveal/${token} sent`));
    const [stored] = await audit.forEmployee('A4');
    expect(stored!.detail).toBe('notice with https://hirepass.example.com/reveal/[redacted] sent');
    expect(JSON.stringify(await redis.xrange(redisKeys(p).auditGlobal, '-', '+'))).not.toContain(token);
  });
});
