import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AuditTrail, IssuanceControl, ManualClock, TENANT_AUDIT_ID, type ReadinessConfig } from '@hirepass/core';
import { startStack, type Stack } from '../helpers/stack';
import { deleteByPrefix } from '../helpers/redis-dump';
import { json, postHire, recordWhen } from './hires';
import { cleanTenant } from './tenants';

/** Issue 9 "Blast-radius brake": trips past its threshold, holds issuance until ops resume it; the global pause switch. */

describe('the blast-radius brake and the pause switch', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sim: { tenant: cleanTenant() }, workerEnv: { BRAKE_MAX_TAPS: '2', BRAKE_WINDOW_MINUTES: '60' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const tenantAudit = async () => (await new AuditTrail(stack.redis, stack.prefix).forEmployee(TENANT_AUDIT_ID)).map((e) => `${e.actor}:${e.action}`);

  it('trips on the third TAP within the window, holds it, and lets it through once ops resume', async () => {
    await Promise.all(['01', '02', '03'].map((n) => postHire(stack, `E-BRAKE-${n}`, `hire${n}@contoso.com`)));
    const all = ['01', '02', '03'].map((n) => `E-BRAKE-${n}`);
    const settled = await Promise.all(all.map((id) => recordWhen(stack, id, 'notified or held', (r) => r.status === 'notified' || r.status === 'needs_attention')));
    const held = settled.filter((r) => r.status === 'needs_attention');
    expect(held).toHaveLength(1);
    expect(held[0]!.attention).toMatchObject({ condition: 'issuance-brake', message: expect.stringContaining('more than 2 TAPs in 60 min') });
    expect(stack.sim.control.taps()).toHaveLength(2);

    const issuance = await json<{ held: boolean; brake: { rule: string } | null; banners: { title: string }[] }>(stack.ops('/api/issuance'));
    expect(issuance).toMatchObject({ held: true, brake: { rule: 'rate' } });
    expect(issuance.banners[0]!.title).toBe('TAP issuance stopped by the blast-radius brake');
    expect(await (await fetch(`${stack.apiUrl}/metrics`)).text()).toContain('hirepass_tap_issuance_held{reason="brake"} 1');
    expect(stack.logs.text()).toContain('blast-radius brake tripped');
    expect(await tenantAudit()).toContain('worker:issuance.brake-tripped');

    const resumed = await json<{ changed: boolean; issuance: { held: boolean } }>(stack.ops('/api/brake/resume', { method: 'POST' }));
    expect(resumed).toMatchObject({ changed: true, issuance: { held: false } });
    await recordWhen(stack, held[0]!.employeeId, 'notified after resume', (r) => r.status === 'notified');
    expect(stack.sim.control.taps()).toHaveLength(3);
    expect(await tenantAudit()).toContain('ops:ops.brake.resumed');
    // Resuming again is no change.
    expect(await json(stack.ops('/api/brake/resume', { method: 'POST' }))).toMatchObject({ changed: false });
  });

  it('holds every TAP while ops pause issuance, until they resume it', async () => {
    const paused = await json<{ changed: boolean; issuance: { paused: { by: string; reason: string } } }>(
      stack.ops('/api/issuance/pause', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'rehearsal' }) }),
    );
    expect(paused).toMatchObject({ changed: true, issuance: { paused: { by: 'ops', reason: 'rehearsal' } } });
    await postHire(stack, 'E-PAUSE-1', 'hire04@contoso.com');
    const held = await recordWhen(stack, 'E-PAUSE-1', 'held', (r) => r.status === 'needs_attention');
    expect(held.attention).toMatchObject({ condition: 'issuance-paused', message: expect.stringContaining('paused by ops') });
    expect((await json<{ issuance?: { reasons: string[] } }>(fetch(`${stack.apiUrl}/readyz`))).issuance?.reasons).toEqual(['paused by ops']);

    expect(await json(stack.ops('/api/issuance/resume', { method: 'POST' }))).toMatchObject({ changed: true });
    await recordWhen(stack, 'E-PAUSE-1', 'notified after resume', (r) => r.status === 'notified');
    expect(await tenantAudit()).toEqual(expect.arrayContaining(['ops:ops.issuance.paused', 'ops:ops.issuance.resumed']));
  });

  it('needs the ops credential', async () => {
    for (const path of ['/api/issuance/pause', '/api/issuance/resume', '/api/brake/resume']) {
      expect((await fetch(`${stack.apiUrl}${path}`, { method: 'POST' })).status).toBe(401);
    }
    expect((await fetch(`${stack.apiUrl}/api/doctor`)).status).toBe(401);
  });
});

describe('IssuanceControl (the brake rules, in Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `t-${randomUUID()}`;
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const control = new IssuanceControl(redis, prefix, clock);
  const brake = (b: Partial<ReadinessConfig['brake']>): ReadinessConfig['brake'] => ({ maxTaps: 0, windowMs: 60 * 60_000, maxFailurePercent: 0, minBatch: 4, ...b });
  afterAll(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  it('counts an onboarding once however often it retries, and forgets what left the window', async () => {
    const rate = brake({ maxTaps: 2 });
    expect((await control.admit('a:1', rate)).kind).toBe('ok');
    expect((await control.admit('a:1', rate)).kind).toBe('ok');
    expect((await control.admit('b:1', rate)).kind).toBe('ok');
    clock.advance(61 * 60_000);
    expect((await control.admit('c:1', rate)).kind).toBe('ok');
    expect((await control.admit('d:1', rate)).kind).toBe('ok');
    expect(await control.admit('e:1', rate)).toMatchObject({ kind: 'tripped', brake: { rule: 'rate' } });
    expect(await control.admit('f:1', rate)).toMatchObject({ kind: 'brake' });
    expect(await control.releaseBrake()).toMatchObject({ rule: 'rate' });
    expect(await control.releaseBrake()).toBeNull();
  });

  it('says whether the pause switch or the brake holds issuance, counting nothing', async () => {
    expect(await control.held()).toBe(false);
    expect(await control.pause('ops')).toBe(true);
    expect(await control.held()).toBe(true);
    await control.resume();
    expect(await control.held()).toBe(false);
    const one = brake({ maxTaps: 1 });
    expect((await control.admit('h:1', one)).kind).toBe('ok');
    expect((await control.admit('h:2', one)).kind).toBe('tripped');
    expect(await control.held()).toBe(true);
    await control.releaseBrake();
    expect(await control.held()).toBe(false);
  });

  it('trips when more than the share of at least the batch size of creates failed', async () => {
    const share = brake({ maxFailurePercent: 50, minBatch: 4 });
    expect(await control.recordOutcome(true, share)).toBeNull(); // 1 of 1: too few to judge
    expect(await control.recordOutcome(false, share)).toBeNull();
    expect(await control.recordOutcome(true, share)).toBeNull(); // 2 of 3
    expect(await control.recordOutcome(false, share)).toBeNull(); // 2 of 4 = 50%, not more
    expect(await control.recordOutcome(true, share)).toMatchObject({ rule: 'failures', reason: expect.stringContaining('more than 50% of at least 4') }); // 3 of 5
    expect(await control.recordOutcome(true, share)).toBeNull(); // already tripped: reported once
    expect((await control.admit('z:1', share)).kind).toBe('brake');
    await control.releaseBrake();
    expect(await control.recordOutcome(true, share)).toBeNull(); // a fresh window after release
  });
});
