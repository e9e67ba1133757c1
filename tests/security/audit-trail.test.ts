import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, QUEUES, redisKeys, type AuditEntry } from '@hirepass/core';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { CANCELLED, HIRES, REISSUED, REVEALED_1, REVEALED_2, runScenario, type ScenarioResult } from './support/onboarding-scenario';

/**
 * Issue 6, "Audit trail": after onboardings, reveals, a re-issue, a cancellation and an expiry,
 * every call that changed the (simulated) tenant is in the trail with Graph's request-id, every
 * secret event (issued, revealed, expired, revoked) and every ops action is there with its
 * actor, and the global stream holds the same entries.
 */
const OUTCOMES = ['success', 'failure', 'skipped', 'info'];
// POSTs that only read: they change nothing in the tenant.
const READ_ONLY_POSTS = new Set(['token', 'directoryObjects.checkMemberGroups']);

describe('the audit trail of a day of onboardings', () => {
  let stack: Stack;
  let scenario: ScenarioResult;
  const trails = new Map<string, AuditEntry[]>();

  const trail = async (employeeId: string): Promise<AuditEntry[]> => {
    const res = await stack.ops(`/api/onboardings/${employeeId}/audit`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: AuditEntry[] }).items;
  };

  beforeAll(async () => {
    stack = await startStack();
    scenario = await runScenario(stack);

    // The TAP expiry is hours away: run the re-issued pass's expiry follow-up now.
    const queue = new Queue(QUEUES.onboarding, { connection: stack.redis, prefix: stack.prefix });
    try {
      const expiries = (await queue.getJobs(['delayed'])).filter((j) => j.name === 'expire' && j.data.employeeId === REISSUED.employeeId);
      expect(expiries.length).toBeGreaterThan(0);
      for (const j of expiries) await j.promote();
    } finally {
      await queue.close();
    }
    await waitFor('the expiry to be recorded', async () => (await trail(REISSUED.employeeId)).some((e) => e.action === 'tap.expired'));
    for (const h of HIRES) trails.set(h.employeeId, await trail(h.employeeId));
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const actions = (employeeId: string) => trails.get(employeeId)!.map((e) => `${e.actor}:${e.action}`);
  const all = () => [...trails.values()].flat();

  it('records every call that changed the tenant, with its Graph request-id', () => {
    // A $batch envelope changes nothing itself; its items are in the log on their own.
    const writes = stack.sim.control.requests().filter((r) => r.method !== 'GET' && r.operation !== 'batch' && !READ_ONLY_POSTS.has(r.operation ?? ''));
    const ops = new Set(writes.map((w) => w.operation));
    // The scenario really did change the tenant in every way hirepass can.
    for (const op of ['groups.members.add', 'groups.members.remove', 'tap.create', 'tap.delete', 'sendMail']) expect(ops).toContain(op);
    const cited = new Set(all().map((e) => e.graphRequestId).filter(Boolean));
    // A write that went in a $batch is cited by the envelope's request-id: the one its HTTP
    // answer carried, and the one Graph support can trace.
    for (const w of writes) {
      const id = w.batchRequestId ?? w.requestId;
      expect(cited.has(id), `${w.method} ${w.path} (${w.operation}) ${w.status} request-id ${id}`).toBe(true);
    }
  });

  it('records every secret event: issued, revealed, expired, revoked', () => {
    const issued = all().filter((e) => e.action === 'tap.issued');
    expect(issued).toHaveLength(stack.sim.control.taps().length);
    for (const e of issued) expect(e.graphRequestId).toMatch(/\S/);
    for (const h of [REVEALED_1, REVEALED_2]) expect(actions(h.employeeId)).toContain('manager:reveal.revealed');
    expect(actions(REISSUED.employeeId)).toContain('worker:tap.expired');
    // Re-issue and cancellation both withdraw a pass and its link.
    for (const h of [REISSUED, CANCELLED]) {
      const withdrawn = trails.get(h.employeeId)!.filter((e) => ['tap.revoked', 'tap.deleted-previous'].includes(e.action));
      expect(withdrawn.length, h.employeeId).toBeGreaterThan(0);
      for (const e of withdrawn) expect(e.graphRequestId).toMatch(/\S/);
    }
  });

  it('records the ops action with its actor, and what came of it', () => {
    const reissue = actions(REISSUED.employeeId);
    expect(reissue).toContain('ops:ops.reissue.requested');
    expect(reissue.indexOf('ops:ops.reissue.requested')).toBeLessThan(reissue.lastIndexOf('worker:tap.issued'));
    expect(reissue.filter((a) => a === 'worker:notice.sent')).toHaveLength(2);
    expect(actions(CANCELLED.employeeId)).toEqual(expect.arrayContaining(['hr:event.accepted', 'worker:onboarding.cancelled', 'worker:onboarding.cancel-completed']));
  });

  it('gives every entry an actor, a time and an outcome, oldest first', () => {
    for (const [employeeId, entries] of trails) {
      expect(entries.length).toBeGreaterThan(5);
      for (const e of entries) {
        expect(e.employeeId).toBe(employeeId);
        expect(['hr', 'worker', 'ops', 'manager', 'system']).toContain(e.actor);
        expect(OUTCOMES).toContain(e.outcome);
        expect(Number.isNaN(Date.parse(e.at))).toBe(false);
      }
      const ids = entries.map((e) => e.id!);
      expect([...ids].sort(compareStreamIds)).toEqual(ids);
    }
  });

  it('keeps the same entries in the global stream, under a retention', async () => {
    const global = await new AuditTrail(stack.redis, stack.prefix).recent(10_000);
    const globalKeys = new Set(global.map((e) => `${e.employeeId} ${e.action} ${e.at} ${e.graphRequestId ?? ''}`));
    for (const e of all()) expect(globalKeys.has(`${e.employeeId} ${e.action} ${e.at} ${e.graphRequestId ?? ''}`)).toBe(true);
    const ttl = await stack.redis.pttl(redisKeys(stack.prefix).auditStream(REVEALED_1.employeeId));
    expect(ttl).toBeGreaterThan(0);
  });

  it('drops the sealed passcode once revealed or expired', async () => {
    const sealedKeys = await stack.redis.keys(`${stack.prefix}:passcode:*`);
    for (const h of [REVEALED_1, REVEALED_2, REISSUED, CANCELLED]) {
      expect(sealedKeys.filter((k) => k.includes(`:passcode:${h.employeeId}:`)), h.employeeId).toEqual([]);
    }
    const page = await fetch(`${stack.apiUrl}/reveal/${scenario.tokens.get(REISSUED.employeeId)!.at(-1)}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('expired');
  });
});

function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}
