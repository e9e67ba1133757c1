import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRevealToken } from '@hirepass/core';
import { startClockedStack, tokenFromMail, type ClockedStack } from '../helpers/clocked-stack';
import { waitFor } from '../helpers/wait-for';
import { addDays, auditActions, currentTaps, hire, instantOf, jobsOnceActivateQueued, mailsTo, newDevice, reveal, SAM, send, settled, userId } from './fixtures';

/**
 * Issue 4, "hire.updated", "Ordering" and "Rehire" with everything real: the API, the
 * worker, Redis and the simulated tenant. Activation instants are put a second or so after
 * the stack's clock (or far ahead), never waited for in real minutes.
 */
/**
 * A start date a month ahead of real time: the sealed passcode's TTL is kept by Redis's own
 * clock (PXAT), so a pass must not expire in real time while the test looks at it.
 */
const SOON = addDays(new Date().toISOString().slice(0, 10), 30);

let stack: ClockedStack;
beforeAll(async () => {
  stack = await startClockedStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function activateJobs(employeeId: string, generation: number) {
  return (await jobsOnceActivateQueued(stack, employeeId, generation)).filter((j) => j.name === 'activate');
}

/** Created and activated now: the returned record is notified. */
async function activatedHire(overrides: Partial<Parameters<typeof hire>[0]> = {}) {
  const h = hire({ startDate: SOON, timeZone: 'Europe/London', ...overrides });
  stack.clock.setNow(instantOf(h).getTime() + 1_000);
  await send(stack, 'hire.created', h);
  const r = await stack.waitForRecord('notified', h.employeeId, settled);
  return { h, r, token: tokenFromMail(mailsTo(stack, h.userPrincipalName).at(-1)!.content) };
}

describe('hire.updated before activation', () => {
  it('moves the one scheduled activate job later, then earlier, leaving none behind, and issues at the new instant', async () => {
    const h = hire({ startDate: '2026-12-10', timeZone: 'Asia/Kolkata' });
    const soon = { ...h, startDate: '2026-12-05' };
    stack.clock.setNow(instantOf(soon).getTime() - 60 * 60_000);
    await send(stack, 'hire.created', h);
    const first = await stack.waitForRecord('scheduled', h.employeeId, (r) => r.status === 'scheduled');
    expect(first.activationAt).toBe('2026-12-10T02:30:00.000Z');
    const [job1, ...rest1] = await activateJobs(h.employeeId, 1);
    expect(rest1).toEqual([]);

    // Later: a new generation, its job delayed to the new instant; the old job is gone.
    const later = { ...h, startDate: '2026-12-20', activationTime: '09:30' };
    await send(stack, 'hire.updated', later);
    const moved = await stack.waitForRecord('re-planned', h.employeeId, (r) => r.generation === 2 && r.status === 'scheduled');
    expect(moved.activationAt).toBe('2026-12-20T04:00:00.000Z');
    const [job2, ...rest2] = await activateJobs(h.employeeId, 2);
    expect(rest2).toEqual([]);
    expect(job2!.id).not.toBe(job1!.id);
    expect(job2!.data.generation).toBe(2);
    expect(await stack.onboardingQueue.getJob(job1!.id!)).toBeUndefined();
    const laterDelay = job2!.delay;

    // Earlier (an hour from the clock's now), then the clock set to just before it.
    stack.clock.setNow(instantOf(soon).getTime() - 1_500);
    await send(stack, 'hire.updated', soon);
    const back = await stack.waitForRecord('re-planned again', h.employeeId, (r) => r.generation === 3 && r.status === 'scheduled');
    expect(back.activationAt).toBe(instantOf(soon).toISOString());
    const [job3, ...rest3] = await activateJobs(h.employeeId, 3);
    expect(rest3).toEqual([]);
    expect(job3!.delay).toBeLessThan(laterDelay);
    expect(job3!.delay).toBeLessThanOrEqual(1_500);

    const r = await stack.waitForRecord('notified', h.employeeId, settled);
    expect(r.tap!.generation).toBe(3);
    expect(Date.parse(r.tap!.startDateTime) - instantOf(soon).getTime()).toBeLessThan(2_000);
    expect(stack.sim.control.taps(h.userPrincipalName)).toHaveLength(1);
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
  });

  it('a change that does not move the instant (a device arriving) re-runs its step and keeps the one job', async () => {
    const h = hire({ startDate: '2026-12-10', timeZone: 'Europe/Berlin' });
    stack.clock.setNow(instantOf(h).getTime() - 86_400_000);
    await send(stack, 'hire.created', h);
    const first = await stack.waitForRecord('scheduled', h.employeeId, (r) => r.status === 'scheduled');
    expect(first.steps.device).toMatchObject({ state: 'skipped', reason: 'no deviceId yet' });
    const device = newDevice(stack, `${h.employeeId}-pc`);
    await send(stack, 'hire.updated', { ...h, deviceId: device.deviceId });
    const r = await stack.waitForRecord('device done', h.employeeId, (x) => x.steps.device.state === 'done');
    expect(r.generation).toBe(1);
    expect(stack.sim.control.groupMembers(stack.sim.webSignInDeviceGroupId)).toContain(device.objectId);
    const jobs = await activateJobs(h.employeeId, 1);
    expect(jobs.map((j) => j.id)).toEqual([`activate-${r.onboardingId}-1`]);
  });
});

describe('hire.updated after the TAP was issued', () => {
  it('a moved start date deletes the pass and revokes the link, then schedules anew', async () => {
    const { h, r, token } = await activatedHire();
    const next = { ...h, startDate: addDays(SOON, 7) };
    await send(stack, 'hire.updated', next);
    const moved = await stack.waitForRecord('re-planned', h.employeeId, (x) => x.generation === 2 && x.status === 'scheduled' && (x.tapsToRevoke ?? []).length === 0);
    expect(moved.tap).toBeNull();
    expect(moved.activationAt).toBe(instantOf(next).toISOString());
    expect(stack.sim.control.taps(h.userPrincipalName).find((t) => t.id === r.tap!.id)!.current).toBe(false);
    expect(currentTaps(stack, h.userPrincipalName)).toEqual([]);
    expect((await reveal(stack.apiUrl, token)).status).toBe(410);
    expect(await stack.links.hasSealedPasscode(h.employeeId, r.tap!.id)).toBe(false);
    const [job, ...more] = await activateJobs(h.employeeId, 2);
    expect(more).toEqual([]);
    expect(job!.data.generation).toBe(2);
    expect(await auditActions(stack, h.employeeId)).toEqual(expect.arrayContaining(['tap.revoked', 'link.revoked']));
  });

  it('a new device gets the device step; the pass and the link stay', async () => {
    const { h, r, token } = await activatedHire();
    const device = newDevice(stack, `${h.employeeId}-new-pc`);
    await send(stack, 'hire.updated', { ...h, deviceId: device.deviceId });
    const after = await stack.waitForRecord('device done', h.employeeId, (x) => x.steps.device.state === 'done');
    expect(stack.sim.control.groupMembers(stack.sim.webSignInDeviceGroupId)).toContain(device.objectId);
    expect(after.tap!.id).toBe(r.tap!.id);
    expect(after.generation).toBe(1);
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
    const shown = await reveal(stack.apiUrl, token);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain(currentTaps(stack, h.userPrincipalName)[0]!.passcode);
  });

  it('a new manager gets a fresh notice for the same pass; the old link stops working', async () => {
    const { h, r, token } = await activatedHire();
    await send(stack, 'hire.updated', { ...h, managerUserPrincipalName: 'alex.morgan@contoso.com' });
    const after = await stack.waitForRecord('re-notified', h.employeeId, (x) => x.notice.state === 'sent' && x.notice.to === 'alex.morgan@contoso.com');
    expect(after.tap!.id).toBe(r.tap!.id);
    const mails = mailsTo(stack, h.userPrincipalName);
    expect(mails.map((m) => m.to[0])).toEqual([SAM, 'alex.morgan@contoso.com']);
    expect((await reveal(stack.apiUrl, token)).status).toBe(410);
    const shown = await reveal(stack.apiUrl, tokenFromMail(mails[1]!.content));
    expect(shown.status).toBe(200);
    expect(shown.body).toContain(currentTaps(stack, h.userPrincipalName)[0]!.passcode);
  });
});

describe('ordering', () => {
  it('an event older than the last applied one changes nothing, and the audit says so', async () => {
    const h = hire({ startDate: '2026-12-10', timeZone: 'UTC' });
    stack.clock.setNow('2026-12-01T00:00:00Z');
    await send(stack, 'hire.created', h, new Date('2026-11-30T12:00:00Z'));
    await stack.waitForRecord('scheduled', h.employeeId, (r) => r.status === 'scheduled');
    const id = await send(stack, 'hire.updated', { ...h, startDate: '2026-12-24' }, new Date('2026-11-30T11:00:00Z'));
    const entry = await waitForAudit(h.employeeId, 'event.ignored');
    expect(entry.eventId).toBe(id);
    expect(entry.detail).toContain('older than the last applied event');
    const r = (await stack.record(h.employeeId))!;
    expect(r.hire.startDate).toBe('2026-12-10');
    expect(r.generation).toBe(1);
  });

  it('created and updated for the same change (BambooHR) make one onboarding, one TAP and one notice', async () => {
    const h = hire({ startDate: SOON, timeZone: 'Europe/London' });
    stack.clock.setNow(instantOf(h).getTime() + 1_000);
    const ts = stack.clock.now();
    await Promise.all([send(stack, 'hire.created', h, ts), send(stack, 'hire.updated', h, ts)]);
    const r = await stack.waitForRecord('notified', h.employeeId, settled);
    await waitForAudit(h.employeeId, 'notice.sent');
    // Whichever the worker met first created the onboarding; the other changed nothing.
    await waitForAudit(h.employeeId, 'event.applied', 'event.ignored');
    const actions = await auditActions(stack, h.employeeId);
    expect(actions.filter((a) => a === 'onboarding.created')).toHaveLength(1);
    expect(actions.filter((a) => a === 'event.applied' || a === 'event.ignored')).toHaveLength(1);
    expect(r.generation).toBe(1);
    expect(stack.sim.control.taps(h.userPrincipalName)).toHaveLength(1);
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
    expect(await stack.store.history(h.employeeId)).toEqual([]);
  });
});

describe('cancellation', () => {
  it('before issue: the scheduled job goes, our memberships are removed', async () => {
    const h = hire({ startDate: '2026-12-10', timeZone: 'UTC' });
    stack.clock.setNow('2026-12-01T00:00:00Z');
    await send(stack, 'hire.created', h);
    const r = await stack.waitForRecord('scheduled', h.employeeId, (x) => x.status === 'scheduled');
    const uid = userId(stack, h.userPrincipalName);
    expect(stack.sim.control.groupMembers(stack.sim.tapPilotGroupId)).toContain(uid);
    await send(stack, 'hire.cancelled', { employeeId: h.employeeId, reason: 'offer withdrawn' });
    const done = await stack.waitForRecord('cancel completed', h.employeeId, (x) => x.status === 'cancelled' && x.memberships.every((m) => !m.addedByUs || m.removedAt));
    expect(done.cancelReason).toBe('offer withdrawn');
    expect(stack.sim.control.groupMembers(stack.sim.tapPilotGroupId)).not.toContain(uid);
    expect(await stack.pendingJobs(h.employeeId)).toEqual([]);
    expect(await stack.onboardingQueue.getJob(`activate-${r.onboardingId}-1`)).toBeUndefined();
    expect(stack.sim.control.taps(h.userPrincipalName)).toEqual([]);
  });

  it('after issue: the pass is deleted, the link revoked, a membership that existed before is left alone; twice is harmless', async () => {
    // Priya is in the pilot group and her device in the Web Sign-in group already.
    const { h, r, token } = await activatedHire({ userPrincipalName: 'priya.patel@contoso.com', deviceId: 'a9b25db9-de23-4993-afec-b962e9d92c87' });
    expect(r.memberships.every((m) => !m.addedByUs)).toBe(true);
    await send(stack, 'hire.cancelled', { employeeId: h.employeeId });
    await waitForAudit(h.employeeId, 'onboarding.cancel-completed');
    expect(currentTaps(stack, h.userPrincipalName)).toEqual([]);
    expect((await reveal(stack.apiUrl, token)).status).toBe(410);
    expect(stack.sim.control.groupMembers(stack.sim.tapPilotGroupId)).toContain(userId(stack, h.userPrincipalName));
    expect(stack.sim.control.groupMembers(stack.sim.webSignInDeviceGroupId)).toContain('65d0d6be-6907-4de8-9e39-7c27f50a2c49');
    expect(await stack.pendingJobs(h.employeeId)).toEqual([]);

    await send(stack, 'hire.cancelled', { employeeId: h.employeeId });
    await waitForAudit(h.employeeId, 'event.cancel-repeated');
    expect((await auditActions(stack, h.employeeId)).filter((a) => a === 'onboarding.cancel-completed')).toHaveLength(1);
  });

  it('cancelling an unknown employee is accepted and changes nothing', async () => {
    await send(stack, 'hire.cancelled', { employeeId: 'E-never-seen' });
    await waitForAudit('E-never-seen', 'event.cancel-unknown');
    expect(await stack.record('E-never-seen')).toBeNull();
  });
});

describe('rehire', () => {
  it('hire.created after a cancellation starts a new onboarding; the earlier one stays readable', async () => {
    const h = hire({ startDate: '2026-12-10', timeZone: 'UTC' });
    stack.clock.setNow('2026-12-01T00:00:00Z');
    await send(stack, 'hire.created', h);
    const first = await stack.waitForRecord('scheduled', h.employeeId, (x) => x.status === 'scheduled');
    await send(stack, 'hire.cancelled', { employeeId: h.employeeId });
    await waitForAudit(h.employeeId, 'onboarding.cancel-completed');

    const again = { ...h, startDate: addDays(h.startDate, 7) };
    await send(stack, 'hire.created', again);
    const second = await stack.waitForRecord('new onboarding', h.employeeId, (x) => x.onboardingId !== first.onboardingId && x.status === 'scheduled');
    expect(second.hire.startDate).toBe(again.startDate);
    const history = await stack.store.history(h.employeeId);
    expect(history.map((x) => [x.onboardingId, x.status])).toEqual([[first.onboardingId, 'cancelled']]);
    const api = (await (await stack.ops(`/api/onboardings/${h.employeeId}`)).json()) as { onboardingId: string };
    expect(api.onboardingId).toBe(second.onboardingId);
    expect(await auditActions(stack, h.employeeId)).toContain('onboarding.archived');
  });
});

describe('follow-up at expiry', () => {
  it('records whether the passcode was revealed and what Graph says, and drops the sealed passcode and the link', async () => {
    const { h, r, token } = await activatedHire();
    const shown = await reveal(stack.apiUrl, token);
    expect(shown.status).toBe(200);
    // Time moves past the pass's expiry; the delayed follow-up then runs.
    stack.clock.setNow(Date.parse(r.tap!.expiresAt) + 1_000);
    expect(await stack.promoteDue(h.employeeId)).toBe(1);
    const after = await stack.waitForRecord('expiry recorded', h.employeeId, (x) => !!x.expiry);
    expect(after.expiry).toMatchObject({ tapId: r.tap!.id, revealed: true });
    expect(after.expiry!.methodUsabilityReason).toBeTruthy();
    expect(await stack.links.hasSealedPasscode(h.employeeId, r.tap!.id)).toBe(false);
    expect((await stack.links.peek(hashRevealToken(token), stack.clock.now()))?.state).toBe('revealed');
    expect(await auditActions(stack, h.employeeId)).toContain('tap.expired');
  });
});

async function waitForAudit(employeeId: string, ...actions: string[]) {
  return waitFor(`audit ${actions.join(' or ')}`, async () => (await stack.audit.forEmployee(employeeId)).find((a) => actions.includes(a.action)));
}
