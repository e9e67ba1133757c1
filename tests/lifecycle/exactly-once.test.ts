import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, type OnboardingRecord } from '@hirepass/core';
import { startClockedStack, tokenFromMail, type ClockedStack } from '../helpers/clocked-stack';
import { waitFor } from '../helpers/wait-for';
import { addDays, auditActions, currentTaps, hire, instantOf, mailsTo, reveal, send, settled } from './fixtures';

/**
 * Issue 5's workflow guarantees, against two workers sharing one Redis and the simulator:
 * one effective TAP and one notice per activation, whatever the ambiguous answers, retries
 * and concurrent jobs; the passcode behind the manager's newest link is always the pass that
 * is valid in the tenant. (The chaos harness hammers the same guarantees at scale.)
 */
const SOON = addDays(new Date().toISOString().slice(0, 10), 30);

let stack: ClockedStack;
beforeAll(async () => {
  stack = await startClockedStack({ workers: 2 });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.sim.control.clearFaults();
  stack.sim.control.setReplicationLag(0);
});

function dueNow(overrides: Partial<Parameters<typeof hire>[0]> = {}) {
  const h = hire({ startDate: SOON, timeZone: 'Europe/Paris', ...overrides });
  stack.clock.setNow(instantOf(h).getTime() + 1_000);
  return h;
}

/** Waits until nothing is left to run for the employee, then returns the record. */
async function quiet(employeeId: string, ok: (r: OnboardingRecord) => boolean): Promise<OnboardingRecord> {
  return waitFor('the onboarding to settle', async () => {
    const r = await stack.record(employeeId);
    if (!r || !ok(r)) return null;
    const busy = (await stack.onboardingQueue.getJobs(['active', 'waiting', 'prioritized'])).some((j) => j?.data?.employeeId === employeeId);
    const due = (await stack.pendingJobs(employeeId)).some((j) => j.name !== 'expire');
    return busy || due ? null : r;
  });
}

/** The invariant: one current pass, the record's; the newest link reveals it; older links are dead. */
async function expectOneEffectivePass(r: OnboardingRecord, upn: string): Promise<void> {
  const current = currentTaps(stack, upn);
  expect(current.map((t) => t.id)).toEqual([r.tap!.id]);
  const mails = mailsTo(stack, upn);
  const newest = await reveal(stack.apiUrl, tokenFromMail(mails.at(-1)!.content));
  expect(newest.status).toBe(200);
  expect(newest.body).toContain(current[0]!.passcode);
  for (const older of mails.slice(0, -1)) expect((await reveal(stack.apiUrl, tokenFromMail(older.content))).status).toBe(410);
}

describe('ambiguous answers', () => {
  it.each([
    ['a 500 after the write', { kind: 'commitThenFail' as const }],
    ['a dropped connection after the write', { kind: 'commitThenFail' as const, dropConnection: true }],
  ])('TAP create with %s: the worker looks before acting again and replaces the unknown pass once', async (_why, fault) => {
    const h = dueNow();
    stack.sim.control.setFaults([{ ...fault, method: 'POST', pathPattern: 'temporaryAccessPassMethods$', count: 1 }]);
    await send(stack, 'hire.created', h);
    const r = await quiet(h.employeeId, settled);
    const all = stack.sim.control.taps(h.userPrincipalName);
    expect(all).toHaveLength(2);
    const actions = await auditActions(stack, h.employeeId);
    expect(actions.filter((a) => a === 'tap.create-ambiguous')).toHaveLength(1);
    expect(actions.filter((a) => a === 'tap.replaced-unknown')).toHaveLength(1);
    const replaced = (await stack.audit.forEmployee(h.employeeId)).find((a) => a.action === 'tap.replaced-unknown')!;
    expect(replaced.detail).toContain(all.find((t) => t.id !== r.tap!.id)!.id);
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
    await expectOneEffectivePass(r, h.userPrincipalName);
  });

  it('sendMail answered 500 after it was sent: no second notice; ops see it flagged; the link works', async () => {
    const h = dueNow();
    stack.sim.control.setFaults([{ kind: 'commitThenFail', method: 'POST', pathPattern: 'sendMail$', count: 1 }]);
    await send(stack, 'hire.created', h);
    const r = await quiet(h.employeeId, (x) => x.notice.state === 'unknown');
    expect(r.status).toBe('needs_attention');
    expect(r.attention?.condition).toBe('notice-unknown');
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
    const notice = (await stack.audit.forEmployee(h.employeeId)).find((a) => a.action === 'notice.unknown')!;
    expect(notice.detail).toContain('status 500');
    // The mail did go out: the manager's link reveals the pass that is valid.
    await expectOneEffectivePass(r, h.userPrincipalName);
    expect((await stack.record(h.employeeId))!.status).toBe('revealed');
  });

  it('sendMail refused with 503: nothing was sent, so it is sent again, once', async () => {
    const h = dueNow();
    stack.sim.control.setFaults([{ kind: 'status', status: 503, method: 'POST', pathPattern: 'sendMail$', count: 1 }]);
    await send(stack, 'hire.created', h);
    const r = await quiet(h.employeeId, (x) => x.status === 'notified');
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
    await expectOneEffectivePass(r, h.userPrincipalName);
  });
});

describe('concurrent jobs for one onboarding', () => {
  it('a burst of duplicate events racing the activation makes one pass and one notice', async () => {
    const h = dueNow();
    const ts = stack.clock.now().getTime();
    await Promise.all([
      send(stack, 'hire.created', h, new Date(ts)),
      ...[1, 2, 3, 4, 5].map((i) => send(stack, 'hire.updated', h, new Date(ts + i))),
    ]);
    const r = await quiet(h.employeeId, (x) => x.status === 'notified' && x.lastEvent.timestamp === new Date(ts + 5).toISOString());
    expect(stack.sim.control.taps(h.userPrincipalName)).toHaveLength(1);
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
    await expectOneEffectivePass(r, h.userPrincipalName);
  });

  it('ops re-issue twice and retry at once, on two workers: every activation one pass and one notice; the newest link is the valid pass', async () => {
    const h = dueNow();
    await send(stack, 'hire.created', h);
    await quiet(h.employeeId, settled);
    const answers = await Promise.all(
      ['reissue', 'retry', 'reissue'].map((a) => stack.ops(`/api/onboardings/${h.employeeId}/${a}`, { method: 'POST' }).then((res) => res.status)),
    );
    expect(answers).toEqual([202, 202, 202]);
    // Two clicks within one millisecond share a job id (the API's dedupe): 1 or 2 re-issues.
    const r = await quiet(h.employeeId, (x) => x.generation >= 2 && x.status === 'notified');
    const created = stack.sim.control.taps(h.userPrincipalName);
    expect(created.length).toBe(mailsTo(stack, h.userPrincipalName).length);
    expect(created.length).toBeGreaterThanOrEqual(2);
    await expectOneEffectivePass(r, h.userPrincipalName);
    const actions = await auditActions(stack, h.employeeId);
    expect(actions.filter((a) => a === 'ops.reissue.started')).toHaveLength(r.generation - 1);
    expect(actions).toContain('ops.retry.started');
  });
});

describe('replication lag', () => {
  it('"not in the TAP policy target" right after the group add is waited out, not failed', async () => {
    stack.sim.control.setReplicationLag(1_200);
    const h = dueNow();
    await send(stack, 'hire.created', h);
    const r = await quiet(h.employeeId, (x) => x.status === 'notified');
    const refused = stack.sim.control.requests().filter((q) => q.method === 'POST' && q.path.includes(encodeURIComponent(r.entra.userId!)) && q.path.includes('temporaryAccessPassMethods') && q.status === 400);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(r.steps.tap.state).toBe('done');
    expect(await auditActions(stack, h.employeeId)).not.toContain('step.failed');
    await expectOneEffectivePass(r, h.userPrincipalName);
  });
});

describe('poison input', () => {
  it('a job payload that fails its schema, and a record that no longer parses, fail their job with the reason; the queue goes on', async () => {
    const bad = await stack.onboardingQueue.add('activate', { employeeId: 'E-poison', generation: 'one' }, { jobId: 'activate-poison-1', attempts: 30 });
    await stack.redis.set(redisKeys(stack.prefix).onboarding('E-corrupt'), '{"employeeId":"E-corrupt", oops');
    const corrupt = await stack.onboardingQueue.add('prepare', { employeeId: 'E-corrupt', onboardingId: 'x1', generation: 1 }, { jobId: 'prepare-corrupt-1', attempts: 30 });

    const h = dueNow();
    await send(stack, 'hire.created', h);
    await quiet(h.employeeId, (x) => x.status === 'notified');

    const failedBad = await waitFor('poison job failed', async () => ((await bad.getState()) === 'failed' ? stack.onboardingQueue.getJob(bad.id!) : null));
    expect(failedBad!.failedReason).toContain('invalid payload');
    expect(failedBad!.attemptsMade).toBe(1);
    const failedCorrupt = await waitFor('corrupt-record job failed', async () => ((await corrupt.getState()) === 'failed' ? stack.onboardingQueue.getJob(corrupt.id!) : null));
    expect(failedCorrupt!.failedReason).toContain('does not parse');
    expect(failedCorrupt!.attemptsMade).toBe(1);
  });
});
