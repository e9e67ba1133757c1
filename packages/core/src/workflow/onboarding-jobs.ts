import type { OnboardingRecord } from '../domain/onboarding';
import { WaitingError } from '../errors';
import type { OnboardingJob, OpsActionJob } from '../jobs/job-catalog';
import { StepError, activateJob, activateJobId, expireJob, expireJobId, inStep, nothing, prepareJob, type JobOutcome } from './follow-ups';
import type { OnboardingRef, WorkflowPorts } from './ports';
import { CANCEL_INCOMPLETE_PREFIX } from './failure-policy';
import { auditFor, isSettled, loadCurrent, removeWarningsStartingWith, updateCurrent } from './record-ops';
import { ensureDevice } from './steps/ensure-device.step';
import { ensureMembership } from './steps/ensure-membership.step';
import { expireTap } from './steps/expire-tap.step';
import { issueTap } from './steps/issue-tap.step';
import { notifyManager } from './steps/notify-manager.step';
import { resolveUser } from './steps/resolve-user.step';
import { syncDevice, syncDue } from './steps/sync-device.step';
import { revokeTaps } from './steps/revoke-taps.step';
import { schedule } from './steps/schedule.step';
import { undoMemberships } from './steps/undo-memberships.step';

/**
 * One function per onboarding job (jobs/job-catalog.ts). Each re-runs its steps in order;
 * every step checks its own "already done?" first, so a retried job resumes where the last
 * attempt stopped (STYLE habit 4).
 */

async function prepareSteps(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  await inStep('tap', () => revokeTaps(ports, ref), ports.log);
  await inStep('user', () => resolveUser(ports, ref), ports.log);
  await inStep('membership', () => ensureMembership(ports, ref), ports.log);
  await inStep('device', () => ensureDevice(ports, ref), ports.log);
  await inStep('device', () => syncDevice(ports, ref), ports.log);
}

/** Nothing left for steps 1–3: each would only re-read the record to find itself done. */
function prepared(r: OnboardingRecord): boolean {
  const { user, membership, device } = r.steps;
  return !r.tapsToRevoke?.length && isSettled(user) && isSettled(membership) && isSettled(device) && !syncDue(r);
}

/** `justPrepared`: steps 1–4 ran in this job a moment ago (nothing to look at again). */
async function activateSteps(ports: WorkflowPorts, ref: OnboardingRef, justPrepared = false): Promise<JobOutcome> {
  // The usual case at the activation instant: prepare finished days ago. One read, not five.
  if (!justPrepared && !prepared(await loadCurrent(ports, ref))) await prepareSteps(ports, ref);
  await inStep('tap', () => issueTap(ports, ref), ports.log);
  await inStep('notice', () => notifyManager(ports, ref), ports.log);
  const r = await loadCurrent(ports, ref);
  if (!r.tap) return nothing('no TAP after activation');
  return { followUps: [expireJob(ref, r.tap.id, new Date(r.tap.expiresAt), ports.clock.now())], removeJobIds: [], note: `status ${r.status}` };
}

/** Steps 1–4, days ahead; then the delayed activate job, or steps 5–6 at once when the instant has passed (or only the notice, if it alone is missing). */
export async function runPrepare(ports: WorkflowPorts, ref: OnboardingJob, opts: { replaceActivate?: boolean } = {}): Promise<JobOutcome> {
  try {
    await prepareSteps(ports, ref);
  } catch (err) {
    if (waitsForDevice(err)) await checkPlanMeanwhile(ports, ref);
    throw err;
  }
  const planned = await inStep('tap', () => schedule(ports, ref), ports.log);
  if (!planned.activate) return nothing('already issued and notified for this generation');
  const r = planned.record;
  if (r.steps.tap.state === 'done' && r.tap?.generation === ref.generation) {
    // The pass stands, only the notice is missing (e.g. a new manager): send it now.
    return activateSteps(ports, ref, true);
  }
  const now = ports.clock.now();
  // The instant has passed (a start today, a late event, a burst due now): spec step 4 says the
  // passcode step runs at once, and it does, in this job. An activate job of its own would
  // only wait behind everything queued with it, and cost a job's worth of Redis round trips.
  if (planned.activationAt.getTime() <= now.getTime()) return activateSteps(ports, ref, true);
  return {
    followUps: [activateJob(ref, planned.activationAt, now, opts.replaceActivate)],
    removeJobIds: [],
    note: `activation at ${planned.activationAt.toISOString()}`,
  };
}

function waitsForDevice(err: unknown): boolean {
  return err instanceof StepError && err.step === 'device' && err.cause instanceof WaitingError && err.cause.condition === 'device-not-found';
}

/**
 * A device not registered yet is waited for up to the instant (ensure-device.step.ts), and the
 * pass goes out without it then. Step 4's promise still holds meanwhile: the TAP plan is checked
 * against the tenant's policy days ahead, so a lifetime out of bounds needs attention now, not
 * on the first day. Best effort: the device wait is what the job reports.
 */
async function checkPlanMeanwhile(ports: WorkflowPorts, ref: OnboardingJob): Promise<void> {
  await schedule(ports, ref, { markScheduled: false }).catch((err: unknown) => {
    ports.log.warn({ err: String(err) }, 'could not check the TAP plan while the device is awaited');
  });
}

/** Steps 5–6 at the activation instant (and 1–3 again if they had not finished). */
export async function runActivate(ports: WorkflowPorts, ref: OnboardingJob): Promise<JobOutcome> {
  return activateSteps(ports, ref);
}

/** The tenant side of a cancellation; the record was marked cancelled when the event applied. */
export async function runCancel(ports: WorkflowPorts, ref: OnboardingJob): Promise<JobOutcome> {
  await inStep('tap', () => revokeTaps(ports, ref, { allowCancelled: true }), ports.log);
  await inStep('membership', () => undoMemberships(ports, ref), ports.log);
  // A Graph outage noted on the record while this job kept trying (failure-policy.ts) is over.
  const r = await loadCurrent(ports, ref, { allowCancelled: true });
  if (r.warnings.some((w) => w.startsWith(CANCEL_INCOMPLETE_PREFIX))) {
    await updateCurrent(ports, ref, (x) => removeWarningsStartingWith(x, CANCEL_INCOMPLETE_PREFIX), { allowCancelled: true });
  }
  await auditFor(ports, ref, 'onboarding.cancel-completed', 'success', { detail: 'passes deleted and our memberships removed' });
  return nothing('cancelled');
}

export async function runExpire(ports: WorkflowPorts, ref: OnboardingJob): Promise<JobOutcome> {
  await inStep('tap', () => expireTap(ports, ref), ports.log);
  return nothing('expired');
}

/**
 * The onboarding an ops request was made for, at its current generation: HR may have changed
 * the plan between the click and the job. Null (and audited) when the request no longer applies.
 */
async function opsTarget(ports: WorkflowPorts, job: OpsActionJob, action: 'retry' | 'reissue'): Promise<OnboardingRef | null> {
  const r = await ports.store.get(job.employeeId);
  const why = !r || r.onboardingId !== job.onboardingId ? 'the onboarding was replaced' : r.status === 'cancelled' ? 'the onboarding is cancelled' : null;
  if (why || !r) {
    await auditFor(ports, job, `ops.${action}.skipped`, 'skipped', { actor: job.actor, detail: `${action} requested at ${job.requestedAt}: ${why}` });
    return null;
  }
  return { employeeId: r.employeeId, onboardingId: r.onboardingId, generation: r.generation };
}

const reissueSeq = (job: OpsActionJob): string => `reissue-${job.requestedAt}`;

/** Ops retry: failed steps go back to pending and the workflow resumes from the first open one. */
export async function runRetry(ports: WorkflowPorts, job: OpsActionJob): Promise<JobOutcome> {
  const ref = await opsTarget(ports, job, 'retry');
  if (!ref) return nothing('retry no longer applies');
  const before = await loadCurrent(ports, ref);
  await updateCurrent(ports, ref, (x) => {
    for (const name of Object.keys(x.steps) as (keyof typeof x.steps)[]) {
      if (x.steps[name].state === 'failed') x.steps[name] = { state: 'pending' };
    }
    // A notice that may be out is not resent by a retry: only a re-issue (new link) is safe.
    if (x.attention?.condition !== 'notice-unknown') x.attention = null;
    if (x.status === 'failed' || (x.status === 'needs_attention' && !x.attention)) x.status = 'in_progress';
  });
  await auditFor(ports, ref, 'ops.retry.started', 'info', { actor: job.actor, detail: `retry requested at ${job.requestedAt}; status was ${before.status}` });
  const out = await runPrepare(ports, ref, { replaceActivate: true });
  const r = await loadCurrent(ports, ref);
  // Past the instant, the activate job already ran (and failed): run its steps now.
  const due = Date.parse(r.activationAt) <= ports.clock.now().getTime();
  if (due && !(isSettled(r.steps.tap) && isSettled(r.steps.notice))) return activateSteps(ports, ref);
  return out;
}

/**
 * Ops re-issue: a new generation, so a new pass, link and notice; the old link dies now. The
 * record remembers the request, so a re-run of this job (a crash before its follow-up was
 * added) adds the activate job again instead of being stale or re-issuing twice.
 */
export async function runReissue(ports: WorkflowPorts, job: OpsActionJob): Promise<JobOutcome> {
  const now = ports.clock.now();
  const seen = await ports.store.get(job.employeeId);
  if (seen && seen.onboardingId === job.onboardingId && seen.lastReissue?.requestedAt === job.requestedAt && seen.lastReissue.generation === seen.generation) {
    const next = { employeeId: seen.employeeId, onboardingId: seen.onboardingId, generation: seen.generation };
    return { followUps: [prepareJob(next, reissueSeq(job))], removeJobIds: [], note: `generation ${next.generation} (resumed)` };
  }
  const ref = await opsTarget(ports, job, 'reissue');
  if (!ref) return nothing('re-issue no longer applies');
  if (ref.generation > job.generation) {
    // Since the click, a re-issue (a double click, a second tab) or an HR change already made
    // a new pass, link and notice: this request's intent is met, and another would revoke
    // the link the manager just got.
    await auditFor(ports, ref, 'ops.reissue.skipped', 'skipped', {
      actor: job.actor,
      detail: `re-issue requested at ${job.requestedAt} for generation ${job.generation}; the onboarding is at generation ${ref.generation} already`,
    });
    return nothing('re-issue already done');
  }
  const old = await loadCurrent(ports, ref);
  const next = { ...ref, generation: ref.generation + 1 };
  // The old link and its passcode go before the record moves on, so that no crash between the
  // two leaves the old link usable, and a reveal cannot record itself on the new generation.
  if (old.reveal?.state === 'active') await ports.links.end(old.reveal.tokenHash, 'revoked', now);
  if (old.tap) await ports.links.dropPasscode(job.employeeId, old.tap.id);
  await updateCurrent(ports, ref, (x) => {
    x.generation = next.generation;
    x.lastReissue = { requestedAt: job.requestedAt, generation: next.generation };
    // The old pass stays at Graph until the new one replaces it (step 5 deletes it first).
    // A create of the old generation whose answer never came may have left one: swept first.
    if (x.tapCreateInFlight && x.entra.userId) {
      x.tapsToRevoke = [...(x.tapsToRevoke ?? []), { id: `unknown-${x.tapCreateInFlight.startedAt}`, userId: x.entra.userId, reason: 're-issued', unknown: true }];
    }
    x.tap = null;
    x.tapCreateInFlight = null;
    x.reveal = null;
    x.expiry = null;
    x.notice = { state: 'pending' };
    x.steps.tap = { state: 'pending' };
    x.steps.notice = { state: 'pending' };
    for (const name of Object.keys(x.steps) as (keyof typeof x.steps)[]) {
      if (x.steps[name].state === 'failed') x.steps[name] = { state: 'pending' };
    }
    x.warnings = x.warnings.filter((w) => !w.startsWith('notice may not have been sent'));
    x.attention = null;
    x.status = 'in_progress';
  });
  await auditFor(ports, ref, 'ops.reissue.started', 'info', {
    actor: job.actor,
    detail: `re-issue requested at ${job.requestedAt}; generation ${next.generation}${old.reveal?.state === 'active' ? '; old link revoked' : ''}`,
  });
  return {
    // Through prepare: steps 1–4 that had not finished (a user not provisioned yet, a device
    // awaited) go on now, not on the first day; before the instant the new pass waits for it,
    // like the first one would have, and past it the pass is issued at once.
    followUps: [prepareJob(next, reissueSeq(job))],
    removeJobIds: [activateJobId(ref), ...(old.tap ? [expireJobId(ref, old.tap.id)] : [])],
    note: `generation ${next.generation}`,
  };
}
