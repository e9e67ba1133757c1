import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayIn } from '@hirepass/core';
import { startClockedStack, tokenFromMail, type ClockedStack } from '../helpers/clocked-stack';
import { waitFor } from '../helpers/wait-for';
import { addDays, currentTaps, hire, instantOf, jobsOnceActivateQueued, mailsTo, reveal, send, settled } from './fixtures';

/**
 * Issue 4, "The activation instant", "Scheduling" and "Late events", through the real API,
 * worker, Redis and simulator. The clock is a dependency: it is set to a second or two before
 * a chosen instant, so the delayed activate job really is due a second or two later.
 */
let stack: ClockedStack;
beforeAll(async () => {
  stack = await startClockedStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('activation at the instant', () => {
  it.each([
    ['Asia/Kathmandu', '2026-12-01', '08:00', '2026-12-01T02:15:00.000Z'],
    // Lord Howe's 30-minute spring gap: 02:15 does not exist and becomes 02:45 (+11).
    ['Australia/Lord_Howe', '2027-10-03', '02:15', '2027-10-02T15:45:00.000Z'],
    // New York's spring gap: 02:30 becomes 03:30 EDT.
    ['America/New_York', '2027-03-14', '02:30', '2027-03-14T07:30:00.000Z'],
  ])('in %s on %s at %s: the activate job is delayed to %s, and the TAP starts exactly then', async (timeZone, startDate, activationTime, expected) => {
    const h = hire({ startDate, timeZone, activationTime });
    const at = new Date(expected);
    expect(instantOf(h)).toEqual(at);
    stack.clock.setNow(at.getTime() - 1_500);
    await send(stack, 'hire.created', h);

    const scheduled = await stack.waitForRecord('scheduled', h.employeeId, (r) => r.status === 'scheduled');
    expect(scheduled.activationAt).toBe(at.toISOString());
    const [activate, ...others] = await jobsOnceActivateQueued(stack, h.employeeId, 1);
    expect(others).toEqual([]);
    expect(activate!.name).toBe('activate');
    // Planned for the instant: about 1.5 s ahead on the clock, less what the steps took.
    expect(activate!.delay).toBeGreaterThan(0);
    expect(activate!.delay).toBeLessThanOrEqual(1_500);
    expect(currentTaps(stack, h.userPrincipalName)).toEqual([]);

    const r = await stack.waitForRecord('notified', h.employeeId, settled);
    // Run by the delayed job when due (not polled): valid from the instant, to the second.
    const late = Date.parse(r.tap!.startDateTime) - at.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(2_000);
    expect(currentTaps(stack, h.userPrincipalName).map((t) => t.id)).toEqual([r.tap!.id]);
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
  });

  it('a delayed activate job that fell due while no worker ran executes as soon as one starts', async () => {
    const h = hire({ startDate: '2026-12-02', timeZone: 'Europe/Berlin' });
    const at = instantOf(h);
    stack.clock.setNow(at.getTime() - 1_000);
    await send(stack, 'hire.created', h);
    await stack.waitForRecord('scheduled', h.employeeId, (r) => r.status === 'scheduled');
    const [activate] = await jobsOnceActivateQueued(stack, h.employeeId, 1);
    await stack.stopWorkers();

    // Wait (on the condition, not a fixed time) until the job is overdue with no worker.
    await waitFor('the activate job to be due', () => Date.now() > activate!.timestamp + activate!.delay + 200, 5_000);
    expect((await activate!.getState())).toBe('delayed');
    expect(currentTaps(stack, h.userPrincipalName)).toEqual([]);

    await stack.startWorker();
    const r = await stack.waitForRecord('notified', h.employeeId, settled);
    // Overdue: valid from when it ran, never backdated before the instant.
    expect(Date.parse(r.tap!.startDateTime)).toBeGreaterThan(at.getTime());
  });
});

describe('late events', () => {
  it('a start date of today whose instant has passed issues at once, valid from now', async () => {
    stack.clock.setNow(new Date());
    const h = hire({ startDate: todayIn('Pacific/Kiritimati', stack.clock.now()), timeZone: 'Pacific/Kiritimati', activationTime: '00:00' });
    expect(instantOf(h).getTime()).toBeLessThan(stack.clock.now().getTime());
    await send(stack, 'hire.created', h);
    const r = await stack.waitForRecord('notified', h.employeeId, settled);
    expect(Date.parse(r.tap!.startDateTime)).toBeGreaterThanOrEqual(instantOf(h).getTime());
    const mail = mailsTo(stack, h.userPrincipalName)[0]!;
    const shown = await reveal(stack.apiUrl, tokenFromMail(mail.content));
    expect(shown.status).toBe(200);
    expect(shown.body).toContain(currentTaps(stack, h.userPrincipalName)[0]!.passcode);
  });

  it('a start date further in the past than LATE_START_GRACE_DAYS is refused with a problem naming startDate', async () => {
    stack.clock.setNow(new Date());
    const yesterday = addDays(todayIn('America/Los_Angeles', stack.clock.now()), -1);
    const h = hire({ startDate: yesterday, timeZone: 'America/Los_Angeles' });
    const res = await stack.postEvent({ type: 'hire.created', timestamp: stack.clock.now().toISOString(), data: h });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { status: number; errors: { field: string; message: string }[] };
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e) => e.field)).toContain('/data/startDate');
    expect(problem.errors.find((e) => e.field === '/data/startDate')!.message).toContain('LATE_START_GRACE_DAYS');
    expect(await stack.record(h.employeeId)).toBeNull();
  });
});
