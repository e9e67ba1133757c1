import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError, ThrottledError, WaitingError } from '../errors';
import { classifyGraphFailure } from '../graph/graph-errors';
import { applyHireEvent } from './apply-hire-event';
import type { OnboardingJob } from '../jobs/job-catalog';
import { SLOW_WAIT_CADENCE_MS, decideFailure } from './failure-policy';
import { StepError } from './follow-ups';
import { InvalidJobError, checkJobPayload } from './job-payloads';
import { runCancel } from './onboarding-jobs';
import type { WorkflowPorts } from './ports';
import { GRAPH_UNAVAILABLE, waitOn } from './record-ops';
import { resolveUser } from './steps/resolve-user.step';
import { schedule } from './steps/schedule.step';
import { created, eventJob, hireFor, seedOnboarding, startHarness, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

const first = { attemptsMade: 0, attempts: 30 };
const graph = { status: 400, code: 'badRequest', message: 'Converged UserCredentialPolicy does not allow creating or updating this authentication method.', requestId: 'req-42' };

describe('failure policy', () => {
  it('replication lag is waited on within the window, then fails the step permanently with Graph\'s code, message and request-id', async () => {
    const ports = h.ports({ settings: { ...h.settings, replicationWindowMs: 60_000 } });
    const ref = await seedOnboarding(ports, hireFor());
    const lag = await waitOn(ports, ref, 'tap', 'tap-policy-replication', 'the TAP policy refused the pass', graph).catch((e: WaitingError) => e);
    const within = await decideFailure(ports, ref, new StepError('tap', lag), first);
    expect(within.kind).toBe('delay');

    const later = h.ports({ settings: { ...h.settings, replicationWindowMs: 0 } });
    const over = await decideFailure(later, ref, new StepError('tap', lag), first);
    expect(over.kind).toBe('fail');
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.status).toBe('failed');
    expect(r.steps.tap).toMatchObject({ state: 'failed' });
    const reason = (r.steps.tap as { reason: string }).reason;
    expect(reason).toContain('code badRequest');
    expect(reason).toContain('request-id req-42');
    expect(reason).toContain('Converged UserCredentialPolicy');
  });

  it('a user not provisioned yet turns into needs_attention after its window, never a failure', async () => {
    const ports = h.ports({ settings: { ...h.settings, userLookupWindowMs: 0 } });
    const ref = await seedOnboarding(ports, hireFor());
    const err = await waitOn(ports, ref, 'user', 'user-not-found', 'not there yet').catch((e: WaitingError) => e);
    // The condition travels with the delay: the worker notes issuance holds by it (held-wakeup.ts).
    expect(await decideFailure(ports, ref, new StepError('user', err), first)).toMatchObject({ kind: 'delay', condition: 'user-not-found' });
    expect((await ports.store.get(ref.employeeId))!.status).toBe('needs_attention');
  });

  it('a permanent Graph error records Graph\'s own message next to ours', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    const err = classifyGraphFailure({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', requestId: 'rq-1' }, 'add group member');
    expect((await decideFailure(ports, ref, new StepError('membership', err), first)).kind).toBe('fail');
    const reason = ((await ports.store.get(ref.employeeId))!.steps.membership as { reason: string }).reason;
    expect(reason).toBe('add group member: access denied by Graph (403); code Authorization_RequestDenied; status 403; request-id rq-1; Graph says "Insufficient privileges to complete the operation."');
  });

  it('a failure of the cancel job is written on the cancelled record as a warning; the status stays cancelled', async () => {
    const ports = h.ports();
    const hire = hireFor();
    const ref = await seedOnboarding(ports, hire);
    const out = await applyHireEvent(ports, eventJob({ type: 'hire.cancelled', timestamp: new Date(Date.now() + 1000).toISOString(), data: { employeeId: hire.employeeId } }));
    const cancelRef = out.followUps[0]!.data as typeof ref;
    const err = new PermanentError('remove group member: access denied by Graph (403)', { status: 403, message: 'denied' });
    expect((await decideFailure(ports, cancelRef, new StepError('membership', err), first, { allowCancelled: true })).kind).toBe('fail');
    const r = (await ports.store.get(hire.employeeId))!;
    expect(r.status).toBe('cancelled');
    expect(r.warnings.some((w) => w.startsWith('cancellation incomplete: membership'))).toBe(true);
    expect((await ports.audit.forEmployee(hire.employeeId)).map((a) => a.action)).toContain('cancel.failed');
    expect(ref.generation).toBe(1);
  });

  it('poison (an invalid payload, a bug\'s TypeError) fails at once; a throttle says whether Retry-After was given', async () => {
    const ports = h.ports();
    expect((await decideFailure(ports, null, new InvalidJobError('activate', 'x'), first)).kind).toBe('fail');
    expect((await decideFailure(ports, null, new TypeError('cannot read x of undefined'), first)).kind).toBe('fail');
    expect((await decideFailure(ports, null, new Error('Connection is closed.'), first)).kind).toBe('retry');
    const given = classifyGraphFailure({ status: 429, message: 'slow down', retryAfter: '3' }, 'x') as ThrottledError;
    const guessed = classifyGraphFailure({ status: 429, message: 'slow down' }, 'x') as ThrottledError;
    expect(await decideFailure(ports, null, given, first)).toMatchObject({ kind: 'rate-limit', delayMs: 3000, retryAfterKnown: true });
    expect(await decideFailure(ports, null, guessed, first)).toMatchObject({ kind: 'rate-limit', retryAfterKnown: false });
  });

  it("a mailbox's throttle (Outlook's ApplicationThrottled) delays that job alone for its Retry-After; a tenant's pauses the queue", async () => {
    const ports = h.ports();
    const mailbox = classifyGraphFailure({ status: 429, code: 'ApplicationThrottled', message: 'Application is over its MailboxRequests limit.', retryAfter: '42' }, 'send mail') as ThrottledError;
    expect(mailbox).toMatchObject({ scope: 'mailbox', retryAfterMs: 42_000 });
    expect(await decideFailure(ports, null, new StepError('notice', mailbox), first)).toEqual({ kind: 'delay', delayMs: 42_000, reason: mailbox.reason });
    const tenant = classifyGraphFailure({ status: 429, code: 'TooManyRequests', message: 'Too many requests.', retryAfter: '42' }, 'send mail') as ThrottledError;
    expect(tenant.scope).toBe('tenant');
    expect(await decideFailure(ports, null, new StepError('notice', tenant), first)).toMatchObject({ kind: 'rate-limit', delayMs: 42_000 });
  });
});

describe('failure policy: Graph unavailable past the retry budget', () => {
  const last = { attemptsMade: 29, attempts: 30 };
  const outage = () => classifyGraphFailure({ status: 503, code: 'serviceNotAvailable', message: 'Service unavailable.', requestId: 'req-503' }, 'look up user');
  const needsAttention = async (ports: WorkflowPorts, employeeId: string) =>
    (await ports.audit.forEmployee(employeeId)).filter((a) => a.action === 'onboarding.needs-attention');

  it('before the last attempt, BullMQ retries and the step notes the error', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    expect(await decideFailure(ports, ref, new StepError('user', outage()), first)).toMatchObject({ kind: 'retry' });
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.steps.user).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringContaining('request-id req-503') });
    expect(r.status).toBe('in_progress');
  });

  it('then turns needs_attention with Graph\'s code and request-id, audited once, and keeps re-checking without failing', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    for (let i = 0; i < 3; i++) {
      expect(await decideFailure(ports, ref, new StepError('user', outage()), last)).toEqual({
        kind: 'delay',
        delayMs: SLOW_WAIT_CADENCE_MS,
        reason: expect.stringContaining('request-id req-503'),
        condition: GRAPH_UNAVAILABLE,
      });
    }
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.status).toBe('needs_attention');
    expect(r.attention).toMatchObject({ condition: 'graph-unavailable', message: expect.stringMatching(/^user: .*code serviceNotAvailable.*request-id req-503/) });
    expect(r.steps.user).toMatchObject({ state: 'pending', waitingFor: GRAPH_UNAVAILABLE, lastError: expect.stringContaining('request-id req-503') });
    const turned = await needsAttention(ports, ref.employeeId);
    expect(turned).toHaveLength(1);
    expect(turned[0]).toMatchObject({ outcome: 'failure', graphRequestId: 'req-503' });
    const actions = (await ports.audit.forEmployee(ref.employeeId)).map((a) => a.action);
    expect(actions).not.toContain('step.failed');
  });

  it('clears by itself once the step gets through', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await decideFailure(ports, ref, new StepError('user', outage()), last);
    await resolveUser(ports, ref);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.steps.user.state).toBe('done');
    expect(r.attention).toBeNull();
    expect(r.status).toBe('in_progress');
  });

  it('a lookup of the schedule step that got through clears it too (its failures are the TAP step\'s)', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ startDate: '2030-01-08' }));
    await decideFailure(ports, ref, new StepError('tap', outage()), last);
    expect((await ports.store.get(ref.employeeId))!.status).toBe('needs_attention');
    await schedule(ports, ref);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.attention).toBeNull();
    expect(r.status).toBe('scheduled');
    expect(r.steps.tap).toEqual({ state: 'pending', attempts: 1, lastError: expect.any(String) });
  });

  it('a step already settled (the expiry check of a done pass) is left as it is; its job keeps trying', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await ports.store.update(ref.employeeId, (x) => ({ ...x, status: 'notified', steps: { ...x.steps, tap: { state: 'done', at: new Date().toISOString() } } }));
    expect(await decideFailure(ports, ref, new StepError('tap', outage()), last)).toMatchObject({ kind: 'delay', delayMs: SLOW_WAIT_CADENCE_MS });
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.status).toBe('notified');
    expect(r.steps.tap.state).toBe('done');
  });

  it('a cancel job keeps trying; the record stays cancelled and says, once, what is left at Graph', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await seedOnboarding(ports, hire);
    const out = await applyHireEvent(ports, eventJob({ type: 'hire.cancelled', timestamp: new Date(Date.now() + 1000).toISOString(), data: { employeeId: hire.employeeId } }));
    const cancelRef = out.followUps[0]!.data as OnboardingJob;
    const err = classifyGraphFailure({ status: 504, message: 'Gateway timeout.', requestId: 'req-504' }, 'remove group member');
    for (let i = 0; i < 2; i++) {
      expect(await decideFailure(ports, cancelRef, new StepError('membership', err), last, { allowCancelled: true })).toMatchObject({ kind: 'delay', delayMs: SLOW_WAIT_CADENCE_MS });
    }
    const r = (await ports.store.get(hire.employeeId))!;
    expect(r.status).toBe('cancelled');
    expect(r.warnings.filter((w) => w.startsWith('cancellation incomplete: membership:'))).toEqual([expect.stringContaining('request-id req-504')]);
    const actions = (await ports.audit.forEmployee(hire.employeeId)).map((a) => a.action);
    expect(actions.filter((a) => a === 'cancel.delayed')).toHaveLength(1);
    expect(actions).not.toContain('cancel.failed');

    // Once Graph answers, the cancel job completes and the warning goes.
    await runCancel(ports, cancelRef);
    expect((await ports.store.get(hire.employeeId))!.warnings.filter((w) => w.startsWith('cancellation incomplete'))).toEqual([]);
  });
});

describe('job payloads', () => {
  it('accepts what the workflow adds and refuses anything else with the first problem named', () => {
    const ok = created(hireFor());
    expect(checkJobPayload('apply-hire-event', ok)).toBe('apply-hire-event');
    expect(checkJobPayload('activate', { employeeId: 'E-1', onboardingId: 'o1', generation: 2 })).toBe('activate');
    expect(() => checkJobPayload('activate', { employeeId: 'E-1', generation: 'two' })).toThrow(/invalid payload: .*onboardingId|generation/);
    expect(() => checkJobPayload('nonsense', {})).toThrow('unknown job name');
    expect(() => checkJobPayload('apply-hire-event', { ...ok, event: { ...ok.event, data: { ...ok.event.data, startDate: '2026-02-30' } } })).toThrow('not a real date');
    expect(() => checkJobPayload('apply-hire-event', { ...ok, event: { ...ok.event, data: { ...ok.event.data, timeZone: 'Mars/Base' } } })).toThrow('time zone');
  });
});
