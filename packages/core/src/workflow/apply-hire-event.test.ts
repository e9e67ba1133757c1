import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyHireEvent } from './apply-hire-event';
import { runActivate, runCancel, runExpire, runPrepare, runReissue, runRetry } from './onboarding-jobs';
import { created, eventJob, hireFor, JANE, startHarness, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

async function current(ports: ReturnType<Harness['ports']>, employeeId: string) {
  const r = (await ports.store.get(employeeId))!;
  return { r, ref: { employeeId, onboardingId: r.onboardingId, generation: r.generation } };
}

describe('applying hire events', () => {
  it('a created+updated pair for one change makes one onboarding, and running an event twice is harmless', async () => {
    const ports = h.ports();
    const hire = hireFor();
    const ts = at(0);
    const c = created(hire, ts);
    const first = await applyHireEvent(ports, c);
    expect(first.followUps.map((f) => f.name)).toEqual(['prepare']);
    const u = eventJob({ type: 'hire.updated', timestamp: ts, data: hire });
    await applyHireEvent(ports, u);
    await applyHireEvent(ports, u);
    const { r } = await current(ports, hire.employeeId);
    expect(r.generation).toBe(1);
    expect(r.lastEvent.eventId).toBe(u.eventId);
    expect((await ports.store.history(hire.employeeId))).toHaveLength(0);
  });

  it('ignores an event older than the last applied one, and says why', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(0)));
    const out = await applyHireEvent(ports, eventJob({ type: 'hire.updated', timestamp: at(-60_000), data: { ...hire, startDate: '2030-01-01' } }));
    expect(out.followUps).toEqual([]);
    const { r } = await current(ports, hire.employeeId);
    expect(r.hire.startDate).toBe(hire.startDate);
    const ignored = (await ports.audit.forEmployee(hire.employeeId)).find((a) => a.action === 'event.ignored');
    expect(ignored?.detail).toContain('older than the last applied event (timestamp');
  });

  it('a cancellation for an unknown employee changes nothing', async () => {
    const ports = h.ports();
    const out = await applyHireEvent(ports, eventJob({ type: 'hire.cancelled', timestamp: at(0), data: { employeeId: 'E-unknown-1' } }));
    expect(out.followUps).toEqual([]);
    expect(await ports.store.get('E-unknown-1')).toBeNull();
    expect((await ports.audit.forEmployee('E-unknown-1')).map((a) => a.action)).toEqual(['event.cancel-unknown']);
  });

  it('a hire.created older than a cancellation already applied to an unknown employee changes nothing; a newer one starts the onboarding', async () => {
    const ports = h.ports();
    const hire = hireFor({ employeeId: 'E-unknown-2' });
    // HR's first delivery of the hire got no 2xx; the cancellation did, and was applied first.
    const cancel = eventJob({ type: 'hire.cancelled', timestamp: at(0), data: { employeeId: hire.employeeId } });
    await applyHireEvent(ports, cancel);
    await applyHireEvent(ports, cancel);
    const late = await applyHireEvent(ports, created(hire, at(-60_000)));
    expect(late.followUps).toEqual([]);
    expect(await ports.store.get(hire.employeeId)).toBeNull();
    const actions = (await ports.audit.forEmployee(hire.employeeId)).map((a) => `${a.action}:${a.detail ?? ''}`);
    expect(actions).toEqual([
      'event.cancel-unknown:no onboarding for this employee; nothing to cancel',
      expect.stringContaining('event.ignored:older than the cancellation applied for this employee'),
    ]);

    const later = await applyHireEvent(ports, created(hire, at(60_000)));
    expect(later.followUps.map((f) => f.name)).toEqual(['prepare']);
    expect((await ports.store.get(hire.employeeId))?.status).toBe('in_progress');
  });

  it('a moved start date before issue bumps the generation, so the old activate job is stale', async () => {
    const ports = h.ports();
    const hire = hireFor({ startDate: '2030-01-07' });
    await applyHireEvent(ports, created(hire, at(-1000)));
    const before = await current(ports, hire.employeeId);
    const out = await applyHireEvent(ports, eventJob({ type: 'hire.updated', timestamp: at(0), data: { ...hire, startDate: '2030-01-08' } }));
    const after = await current(ports, hire.employeeId);
    expect(after.r.generation).toBe(2);
    expect(after.r.activationAt).toBe('2030-01-08T00:00:00.000Z');
    expect(out.removeJobIds).toEqual([`activate-${before.r.onboardingId}-1`]);
    expect(out.followUps[0]).toMatchObject({ name: 'prepare', data: { generation: 2 } });
    expect((await runActivate(ports, before.ref).catch((e: Error) => e)) instanceof Error).toBe(true);
  });
});

describe('onboarding jobs end to end (core only)', () => {
  it('prepare (due now: activates at once) → a moved start date after issue revokes the pass and the link → a new pass', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-2000)));
    let { ref } = await current(ports, hire.employeeId);
    // The instant has passed (start today at 00:00 in the hire's zone): no activate job, the
    // pass and the notice come from this job, and the expiry is what follows.
    const prep = await runPrepare(ports, ref);
    expect(prep.followUps).toEqual([expect.objectContaining({ name: 'expire' })]);
    const issued = (await current(ports, hire.employeeId)).r;
    expect(issued.status).toBe('notified');
    // An activate job of this generation that runs anyway (queued by an older version) adds nothing.
    const act = await runActivate(ports, ref);
    expect(act.followUps[0]).toMatchObject({ name: 'expire' });
    expect(h.sim.control.taps(JANE.id).filter((t) => t.current)).toHaveLength(1);
    expect(h.sim.control.mails()).toHaveLength(1);

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await applyHireEvent(ports, eventJob({ type: 'hire.updated', timestamp: at(-1000), data: { ...hire, startDate: tomorrow } }));
    ({ ref } = await current(ports, hire.employeeId));
    const moved = (await current(ports, hire.employeeId)).r;
    expect(moved.generation).toBe(2);
    expect(moved.tap).toBeNull();
    expect(moved.tapsToRevoke).toEqual([expect.objectContaining({ id: issued.tap!.id, userId: JANE.id })]);
    expect((await ports.links.peek(issued.reveal!.tokenHash, new Date()))?.state).toBe('revoked');
    expect(await ports.links.hasSealedPasscode(hire.employeeId, issued.tap!.id)).toBe(false);

    const prep2 = await runPrepare(ports, ref);
    expect(prep2.followUps[0]).toMatchObject({ name: 'activate', data: { generation: 2 } });
    expect(prep2.followUps[0]!.delayMs).toBeGreaterThan(0);
    expect(h.sim.control.taps(JANE.id).find((t) => t.id === issued.tap!.id)?.current).toBe(false);
    const after = (await current(ports, hire.employeeId)).r;
    expect(after.status).toBe('scheduled');
    expect(after.tapsToRevoke).toEqual([]);
    expect((await ports.audit.forEmployee(hire.employeeId)).filter((a) => a.action === 'tap.revoked')).toHaveLength(1);
  });

  it('an update after issue that spells the same plan differently (a zone alias, defaults written out) keeps the pass and the link', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-2000)));
    const { ref } = await current(ports, hire.employeeId);
    await runPrepare(ports, ref);
    const issued = (await current(ports, hire.employeeId)).r;
    expect(issued.status).toBe('notified');

    const same = { ...hire, timeZone: 'Etc/UTC', tap: { isUsableOnce: false } };
    const out = await applyHireEvent(ports, eventJob({ type: 'hire.updated', timestamp: at(-1000), data: same }));
    const after = (await current(ports, hire.employeeId)).r;
    expect(after.hire.timeZone).toBe('Etc/UTC');
    expect(after.generation).toBe(1);
    expect(after.status).toBe('notified');
    expect(after.tap?.id).toBe(issued.tap!.id);
    expect(after.tapsToRevoke).toEqual([]);
    expect((await ports.links.peek(issued.reveal!.tokenHash, new Date()))?.state).toBe('active');
    expect(out.removeJobIds).toEqual([]);
    const applied = (await ports.audit.forEmployee(hire.employeeId)).filter((a) => a.action === 'event.applied').at(-1);
    expect(applied?.detail).toBe('no change');

    // A real move of the instant on the same day still re-plans.
    await applyHireEvent(ports, eventJob({ type: 'hire.updated', timestamp: at(-500), data: { ...same, activationTime: '00:30' } }));
    expect((await current(ports, hire.employeeId)).r.generation).toBe(2);
  });

  it('a new manager after the notice gets a fresh notice with a new link; the old link is revoked', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-2000)));
    const { ref } = await current(ports, hire.employeeId);
    await runPrepare(ports, ref);
    await runActivate(ports, ref);
    const before = (await current(ports, hire.employeeId)).r;
    await applyHireEvent(ports, eventJob({ type: 'hire.updated', timestamp: at(-1000), data: { ...hire, managerUserPrincipalName: 'alex.morgan@contoso.com' } }));
    const mid = await current(ports, hire.employeeId);
    expect(mid.r.generation).toBe(1);
    await runPrepare(ports, mid.ref);
    const after = (await current(ports, hire.employeeId)).r;
    expect(after.tap!.id).toBe(before.tap!.id);
    expect(after.notice).toMatchObject({ state: 'sent', to: 'alex.morgan@contoso.com' });
    expect(after.reveal!.tokenHash).not.toBe(before.reveal!.tokenHash);
    expect((await ports.links.peek(before.reveal!.tokenHash, new Date()))?.state).toBe('revoked');
    expect(h.sim.control.mails().map((m) => m.to[0])).toEqual(['sam.lee@contoso.com', 'alex.morgan@contoso.com']);
  });

  it('cancel removes only our memberships; a second cancel is harmless; hire.created again is a rehire', async () => {
    const ports = h.ports();
    // Priya is already in both groups: nothing of hers may be removed.
    const hire = hireFor({ userPrincipalName: 'priya.patel@contoso.com', deviceId: 'a9b25db9-de23-4993-afec-b962e9d92c87' });
    await applyHireEvent(ports, created(hire, at(-3000)));
    const { ref } = await current(ports, hire.employeeId);
    await runPrepare(ports, ref);
    await runActivate(ports, ref);
    const out = await applyHireEvent(ports, eventJob({ type: 'hire.cancelled', timestamp: at(-2000), data: { employeeId: hire.employeeId } }));
    expect(out.followUps[0]).toMatchObject({ name: 'cancel' });
    await runCancel(ports, out.followUps[0]!.data as typeof ref);
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain('545bfa86-511d-4ca8-8538-723ba1d9858c');
    expect(h.sim.control.groupMembers(h.settings.webSignInDeviceGroupId)).toContain('65d0d6be-6907-4de8-9e39-7c27f50a2c49');
    expect(h.sim.control.taps('priya.patel@contoso.com').every((t) => !t.current)).toBe(true);
    const again = await applyHireEvent(ports, eventJob({ type: 'hire.cancelled', timestamp: at(-1000), data: { employeeId: hire.employeeId } }));
    expect(again.followUps).toEqual([]);

    await applyHireEvent(ports, created(hire, at(0)));
    const re = (await current(ports, hire.employeeId)).r;
    expect(re.onboardingId).not.toBe(ref.onboardingId);
    expect(re.status).toBe('in_progress');
    expect((await ports.store.history(hire.employeeId)).map((x) => x.onboardingId)).toEqual([ref.onboardingId]);
  });

  it('re-issue: new pass, new link, new notice; the old link dies', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-1000)));
    const { ref } = await current(ports, hire.employeeId);
    await runPrepare(ports, ref);
    await runActivate(ports, ref);
    const before = (await current(ports, hire.employeeId)).r;
    const out = await runReissue(ports, { ...ref, actor: 'ops', requestedAt: at(0) });
    const next = out.followUps[0]!;
    // Through prepare: past the instant it issues the new pass at once.
    expect(next).toMatchObject({ name: 'prepare', data: { generation: 2 } });
    await runPrepare(ports, next.data as typeof ref);
    const after = (await current(ports, hire.employeeId)).r;
    expect(after.tap!.id).not.toBe(before.tap!.id);
    expect(h.sim.control.taps(JANE.id).filter((t) => t.current).map((t) => t.id)).toEqual([after.tap!.id]);
    expect(h.sim.control.mails()).toHaveLength(2);
    expect((await ports.links.peek(before.reveal!.tokenHash, new Date()))?.state).toBe('revoked');
    const actions = (await ports.audit.forEmployee(hire.employeeId)).map((a) => `${a.actor}:${a.action}`);
    expect(actions).toContain('ops:ops.reissue.started');
    expect(actions).toContain('worker:tap.deleted-previous');

    // A second click made at generation 1 (a double click) re-issues nothing more.
    const again = await runReissue(ports, { ...ref, actor: 'ops', requestedAt: at(1) });
    expect(again.followUps).toEqual([]);
    expect((await current(ports, hire.employeeId)).r.generation).toBe(2);
    expect(h.sim.control.mails()).toHaveLength(2);
    expect((await ports.audit.forEmployee(hire.employeeId)).map((a) => a.action)).toContain('ops.reissue.skipped');
  });

  it('re-issue before any pass keeps preparing now (a user not provisioned yet), not on the first day', async () => {
    const ports = h.ports();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const hire = hireFor({ startDate: tomorrow, activationTime: '12:00' });
    await applyHireEvent(ports, created(hire, at(-1000)));
    const { ref } = await current(ports, hire.employeeId);
    const out = await runReissue(ports, { ...ref, actor: 'ops', requestedAt: at(0) });
    expect(out.followUps.map((f) => f.name)).toEqual(['prepare']);
    const prep = await runPrepare(ports, out.followUps[0]!.data as typeof ref);
    expect(prep.followUps[0]).toMatchObject({ name: 'activate', data: { generation: 2 } });
    const r = (await current(ports, hire.employeeId)).r;
    expect(r.steps.user.state).toBe('done');
    expect(r.steps.membership.state).toBe('done');
    expect(r.status).toBe('scheduled');
  });

  it('a rehire before the old cancel job ran takes over its work: the cancelled pass is deleted, and the memberships stay hirepass\'s to undo', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-3000)));
    const first = await current(ports, hire.employeeId);
    await runPrepare(ports, first.ref);
    const issued = (await current(ports, hire.employeeId)).r;
    expect(issued.status).toBe('notified');
    await applyHireEvent(ports, eventJob({ type: 'hire.cancelled', timestamp: at(-2000), data: { employeeId: hire.employeeId } }));
    // HR re-creates the hire before the cancel job got its turn.
    await applyHireEvent(ports, created(hire, at(-1000)));
    const second = await current(ports, hire.employeeId);
    expect(second.r.onboardingId).not.toBe(first.r.onboardingId);
    expect(second.r.tapsToRevoke).toEqual([expect.objectContaining({ id: issued.tap!.id })]);
    expect(second.r.memberships.filter((m) => m.addedByUs)).toHaveLength(issued.memberships.filter((m) => m.addedByUs).length);
    // The old cancel job is stale now; the new onboarding's first job deletes the old pass.
    await expect(runCancel(ports, { ...first.ref, generation: first.r.generation + 1 })).rejects.toThrow(/stale job/);
    await runPrepare(ports, second.ref);
    expect(h.sim.control.taps(JANE.id).find((t) => t.id === issued.tap!.id)?.current ?? false).toBe(false);
    // Cancelling the rehire removes the memberships hirepass added, as the first cancel would have.
    await applyHireEvent(ports, eventJob({ type: 'hire.cancelled', timestamp: at(0), data: { employeeId: hire.employeeId } }));
    const cancelled = await current(ports, hire.employeeId);
    await runCancel(ports, cancelled.ref);
    const pilot = issued.memberships.find((m) => m.addedByUs)!;
    expect(h.sim.control.groupMembers(pilot.groupId)).not.toContain(pilot.objectId);
  });

  it('a rehire that died between the archive and the create takes the old work over when it runs again', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-3000)));
    await runPrepare(ports, (await current(ports, hire.employeeId)).ref);
    const issued = (await current(ports, hire.employeeId)).r;
    await applyHireEvent(ports, eventJob({ type: 'hire.cancelled', timestamp: at(-2000), data: { employeeId: hire.employeeId } }));
    await ports.store.archive(hire.employeeId); // the first attempt of the rehire got this far
    await applyHireEvent(ports, created(hire, at(-1000)));
    const r = (await current(ports, hire.employeeId)).r;
    expect(r.tapsToRevoke).toEqual([expect.objectContaining({ id: issued.tap!.id })]);
    expect(r.memberships.some((m) => m.addedByUs)).toBe(true);
  });

  it('a crash right after a manager change was written leaves no old link usable, and the re-run only adds the follow-ups', async () => {
    const base = h.ports();
    const hire = hireFor();
    await applyHireEvent(base, created(hire, at(-2000)));
    await runPrepare(base, (await current(base, hire.employeeId)).ref);
    const sent = (await current(base, hire.employeeId)).r;
    expect(sent.reveal?.state).toBe('active');
    // The job dies right after the record write (its next Redis call fails), as a worker
    // killed there, or Redis lost for a moment, would leave it.
    const audit = new Proxy(base.audit, {
      get(target, prop) {
        if (prop === 'append') {
          return async (...args: Parameters<typeof target.append>) => {
            if (args[0].action === 'event.applied') throw new Error('connection lost');
            return target.append(...args);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const ports = { ...base, audit };
    const change = eventJob({ type: 'hire.updated', timestamp: at(-1000), data: { ...hire, managerUserPrincipalName: 'alex.morgan@contoso.com' } });
    await expect(applyHireEvent(ports, change)).rejects.toThrow('connection lost');
    expect((await ports.links.peek(sent.reveal!.tokenHash, new Date()))?.state).toBe('revoked');
    const again = await applyHireEvent(ports, change);
    expect(again.followUps.map((f) => f.name)).toEqual(['prepare']);
    expect((await current(base, hire.employeeId)).r.reveal).toBeNull();
  });

  it('an update after the pass expired records the hire data and mints no new pass', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-2000)));
    const { ref } = await current(ports, hire.employeeId);
    await runPrepare(ports, ref);
    await ports.store.update(hire.employeeId, (x) => ({ ...x, expiry: { at: new Date().toISOString(), tapId: x.tap!.id, revealed: false } }));
    const out = await applyHireEvent(ports, eventJob({ type: 'hire.updated', timestamp: at(-1000), data: { ...hire, managerUserPrincipalName: 'alex.morgan@contoso.com' } }));
    expect(out.followUps).toEqual([]);
    const r = (await current(ports, hire.employeeId)).r;
    expect(r.generation).toBe(1);
    expect(r.hire.managerUserPrincipalName).toBe('alex.morgan@contoso.com');
    expect(r.notice.state).toBe('sent');
    expect(h.sim.control.mails()).toHaveLength(1);
    const applied = (await ports.audit.forEmployee(hire.employeeId)).filter((a) => a.action === 'event.applied').at(-1);
    expect(applied?.detail).toContain('after the pass expired: no new pass');
  });

  it('retry resumes a failed step', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-1000)));
    const { ref } = await current(ports, hire.employeeId);
    // Due now, so prepare goes on to the pass, which Graph refuses; the failure policy (the
    // worker's) then marks the step failed for good.
    h.sim.control.setFaults([{ kind: 'status', status: 400, method: 'POST', pathPattern: 'temporaryAccessPassMethods$', count: 1 }]);
    await expect(runPrepare(ports, ref)).rejects.toThrow();
    await ports.store.update(hire.employeeId, (r) => ({ ...r, status: 'failed', steps: { ...r.steps, tap: { state: 'failed', reason: 'x', attempts: 30, at: at(0) } } }));
    await runRetry(ports, { ...ref, actor: 'ops', requestedAt: at(0) });
    const r = (await current(ports, hire.employeeId)).r;
    expect(r.status).toBe('notified');
    expect(r.steps.tap.state).toBe('done');
    expect(h.sim.control.taps(JANE.id).filter((t) => t.current)).toHaveLength(1);
    expect(h.sim.control.mails()).toHaveLength(1);
  });

  it('expire ends the link and drops the sealed passcode', async () => {
    const ports = h.ports();
    const hire = hireFor();
    await applyHireEvent(ports, created(hire, at(-1000)));
    const { ref } = await current(ports, hire.employeeId);
    await runPrepare(ports, ref);
    await runActivate(ports, ref);
    const r = (await current(ports, hire.employeeId)).r;
    await runExpire(ports, ref);
    const after = (await current(ports, hire.employeeId)).r;
    expect(after.expiry).toMatchObject({ tapId: r.tap!.id, revealed: false });
    expect(await ports.links.hasSealedPasscode(hire.employeeId, r.tap!.id)).toBe(false);
    expect((await ports.links.peek(r.reveal!.tokenHash, new Date()))?.state).toBe('expired');
  });
});
