import { randomUUID } from 'node:crypto';
import type { HireData } from '../domain/hire-event.schema';
import { pendingSteps, type OnboardingRecord } from '../domain/onboarding';
import type { ApplyHireEventJob } from '../jobs/job-catalog';
import { activateJobId, cancelJob, expireJobId, nothing, prepareJob, type JobOutcome } from './follow-ups';
import type { WorkflowPorts } from './ports';
import { auditEntry, auditFor } from './record-ops';
import { activationFor } from './steps/schedule.step';

/**
 * Applies one accepted HR event to the employee's onboarding (spec/workflow.md "Changes after
 * the fact", spec/hr-webhook.md ordering). Redis only: the tenant-side work (deleting passes,
 * removing memberships) is done by the onboarding jobs this returns, so a Graph outage never
 * holds up the event queue. Running it twice for one event is harmless.
 */
export async function applyHireEvent(ports: WorkflowPorts, job: ApplyHireEventJob): Promise<JobOutcome> {
  const { event, eventId } = job;
  const employeeId = event.data.employeeId;
  const current = await ports.store.get(employeeId);
  const ref = { employeeId, onboardingId: current?.onboardingId ?? '' };

  if (current?.lastEvent.eventId === eventId) {
    // This event was applied by an earlier attempt that died before its follow-ups were added.
    return followUpsFor(current, job);
  }
  if (current && isOlder(job, current.lastEvent)) {
    await auditFor(ports, ref, 'event.ignored', 'skipped', {
      eventId,
      detail: `older than the last applied event (timestamp ${current.lastEvent.timestamp}, this one ${event.timestamp})`,
    });
    return nothing('older event ignored');
  }

  const prior = current ? null : await ports.store.priorOf(employeeId);
  if (prior) {
    const { cancelled } = prior;
    // The same cancellation again (an attempt that died after applying it): done already.
    if (cancelled?.eventId === eventId) return nothing('cancel for unknown employee');
    if (cancelled && isOlder(job, cancelled)) {
      await ports.audit.append({
        at: ports.clock.now().toISOString(),
        employeeId,
        actor: 'worker',
        action: 'event.ignored',
        outcome: 'skipped',
        eventId,
        detail: `older than the cancellation applied for this employee (timestamp ${cancelled.timestamp}, this one ${event.timestamp})`,
      });
      return nothing('older than an applied cancellation');
    }
  }

  if (event.type === 'hire.cancelled') {
    if (!current) {
      await ports.store.rememberCancelWithoutOnboarding(employeeId, lastEventOf(job));
      await ports.audit.append({ at: ports.clock.now().toISOString(), employeeId, actor: 'worker', action: 'event.cancel-unknown', outcome: 'skipped', eventId, detail: 'no onboarding for this employee; nothing to cancel' });
      return nothing('cancel for unknown employee');
    }
    return cancel(ports, current, job, event.data.reason);
  }

  const data = event.data;
  if (!current) {
    // No record but an archived one: a rehire that died between the archive and the create.
    // Its take-over is redone here (leftAtGraph below), so nothing the old one owed is lost.
    return create(ports, data, job, prior?.archived ? leftAtGraph(prior.archived) : undefined);
  }
  if (event.type === 'hire.created' && (current.status === 'cancelled' || current.expiry)) {
    // Rehire: the earlier onboarding stays readable in the history. What its cancel job had
    // still to do at Graph passes to the new one, whose first job does it: that cancel job is
    // stale from here on, and a cancelled pass must not stay usable because HR re-created
    // the hire quickly.
    const inherited = leftAtGraph(current);
    await ports.store.archive(employeeId);
    await auditFor(ports, ref, 'onboarding.archived', 'info', {
      eventId,
      detail: `rehire: onboarding ${current.onboardingId} archived${inherited.tapsToRevoke.length || inherited.memberships.length ? `; taken over: ${inherited.tapsToRevoke.length} pass(es) to delete, ${inherited.memberships.length} membership(s) hirepass added` : ''}`,
    });
    return create(ports, data, job, inherited);
  }
  if (current.status === 'cancelled') {
    await touchLastEvent(ports, current, job);
    await auditFor(ports, ref, 'event.ignored', 'skipped', { eventId, detail: 'the onboarding is cancelled; a new hire.created starts again' });
    return nothing('update for a cancelled onboarding');
  }
  return update(ports, current, data, job);
}

function isOlder(job: ApplyHireEventJob, last: OnboardingRecord['lastEvent']): boolean {
  const t = Date.parse(job.event.timestamp);
  const lt = Date.parse(last.timestamp);
  return t < lt || (t === lt && job.seq < last.seq);
}

function lastEventOf(job: ApplyHireEventJob): OnboardingRecord['lastEvent'] {
  return { eventId: job.eventId, timestamp: job.event.timestamp, seq: job.seq };
}

function followUpsFor(r: OnboardingRecord, job: ApplyHireEventJob): JobOutcome {
  if (r.status === 'cancelled') return { followUps: [cancelJob(r, job.eventId, r.cancelReason)], removeJobIds: [] };
  return { followUps: [prepareJob(r, job.seq)], removeJobIds: [] };
}

async function touchLastEvent(ports: WorkflowPorts, r: OnboardingRecord, job: ApplyHireEventJob): Promise<void> {
  await ports.store.update(r.employeeId, (x) => (x.onboardingId === r.onboardingId ? { ...x, lastEvent: lastEventOf(job) } : null));
}

/**
 * The earlier onboarding's unfinished business at Graph: passes still to delete, and the
 * memberships hirepass added and has not removed (still hirepass's to remove on a cancel).
 */
interface LeftAtGraph {
  tapsToRevoke: NonNullable<OnboardingRecord['tapsToRevoke']>;
  memberships: OnboardingRecord['memberships'];
}

function leftAtGraph(r: OnboardingRecord): LeftAtGraph {
  return { tapsToRevoke: [...(r.tapsToRevoke ?? [])], memberships: r.memberships.filter((m) => m.addedByUs && !m.removedAt) };
}

async function create(
  ports: WorkflowPorts,
  hire: HireData,
  job: ApplyHireEventJob,
  inherited: LeftAtGraph = { tapsToRevoke: [], memberships: [] },
): Promise<JobOutcome> {
  const now = ports.clock.now().toISOString();
  const record: OnboardingRecord = {
    employeeId: hire.employeeId,
    onboardingId: randomUUID(),
    generation: 1,
    rev: 0,
    hire,
    lastEvent: lastEventOf(job),
    status: 'in_progress',
    activationAt: activationFor(hire, ports.settings).toISOString(),
    createdAt: now,
    updatedAt: now,
    entra: {},
    steps: pendingSteps(),
    memberships: inherited.memberships,
    tap: null,
    tapCreateInFlight: null,
    notice: { state: 'pending' },
    reveal: null,
    warnings: [],
    attention: null,
    tapsToRevoke: inherited.tapsToRevoke,
    expiry: null,
  };
  const created = ports.audit.appendWrites(auditEntry(ports, record, { action: 'onboarding.created', outcome: 'success', eventId: job.eventId, detail: `activation at ${record.activationAt}` }));
  if (!(await ports.store.create(record, created))) {
    // Another worker created it between our read and write: apply on top of theirs.
    return applyHireEvent(ports, job);
  }
  return { followUps: [prepareJob(record, job.seq)], removeJobIds: [] };
}

/** Takes the issued pass and its link away from the record; the next job deletes the pass. */
function revokeIssued(x: OnboardingRecord, reason: string, ends: Ends): void {
  if (x.tap && x.entra.userId) x.tapsToRevoke = [...(x.tapsToRevoke ?? []), { id: x.tap.id, userId: x.entra.userId, reason }];
  if (x.tap) {
    ends.dropPasscodes.push(x.tap.id);
    ends.oldTapId = x.tap.id;
  }
  if (x.tapCreateInFlight && x.entra.userId) {
    // A create whose answer never came (a crashed worker) may have made a pass: sweep it.
    x.tapsToRevoke = [...(x.tapsToRevoke ?? []), { id: `unknown-${x.tapCreateInFlight.startedAt}`, userId: x.entra.userId, reason, unknown: true }];
  }
  if (x.reveal?.state === 'active') ends.revokeLinks.push(x.reveal.tokenHash);
  x.tap = null;
  x.tapCreateInFlight = null;
  x.reveal = null;
  x.expiry = null;
  x.notice = { state: 'pending' };
  x.steps.tap = { state: 'pending' };
  x.steps.notice = { state: 'pending' };
}

interface Ends {
  revokeLinks: string[];
  dropPasscodes: string[];
  changes: string[];
  oldGeneration: number | null;
  oldTapId?: string;
}

/** The delayed jobs of a generation that was re-planned or cancelled: removed, so none is left behind. */
function jobsOf(r: OnboardingRecord, ends: Ends): string[] {
  if (ends.oldGeneration === null) return [];
  const old = { ...r, generation: ends.oldGeneration };
  return [activateJobId(old), ...(ends.oldTapId ? [expireJobId(old, ends.oldTapId)] : [])];
}

/**
 * Applies `hire` to `x` in place and says what the change takes away; null when the record is
 * not this event's to change. Pure: run once on a copy to learn what to take away first, then
 * again inside the record's compare-and-set.
 */
function applyUpdate(x: OnboardingRecord, current: OnboardingRecord, hire: HireData, job: ApplyHireEventJob, now: Date, ports: WorkflowPorts): Ends | null {
  const ends: Ends = { revokeLinks: [], dropPasscodes: [], changes: [], oldGeneration: null };
  if (x.onboardingId !== current.onboardingId || isOlder(job, x.lastEvent) || x.lastEvent.eventId === job.eventId) return null;
  const old = x.hire;
  const lower = (s?: string) => s?.toLowerCase();
  const upnChanged = lower(old.userPrincipalName) !== lower(hire.userPrincipalName);
  const managerChanged = lower(old.managerUserPrincipalName) !== lower(hire.managerUserPrincipalName);
  const deviceChanged = lower(old.deviceId) !== lower(hire.deviceId);
  // Compared as what they mean, not as sent: HR systems often send the whole hire on every
  // update, and "08:00" spelled out where the default applied, or a zone's other name
  // (Asia/Calcutta, Asia/Kolkata), must not revoke a pass the manager may already hold.
  const planChanged =
    old.startDate !== hire.startDate ||
    activationFor(old, ports.settings).getTime() !== activationFor(hire, ports.settings).getTime() ||
    old.tap?.lifetimeMinutes !== hire.tap?.lifetimeMinutes ||
    (old.tap?.isUsableOnce ?? false) !== (hire.tap?.isUsableOnce ?? false);
  x.hire = hire;
  x.lastEvent = lastEventOf(job);
  x.updatedAt = now.toISOString();
  if (x.expiry) {
    // The pass was issued and has expired: this onboarding is over. A routine HR change now
    // must not mint a fresh pass for whoever is manager today; ops can re-issue on purpose.
    ends.changes.push('recorded after the pass expired: no new pass (ops can re-issue)');
    return ends;
  }

  let bump = false;
  if (upnChanged) {
    ends.changes.push('userPrincipalName');
    x.steps.user = { state: 'pending' };
    x.steps.membership = { state: 'pending' };
    // The pass belongs to the old account: it goes.
    if (x.tap || x.tapCreateInFlight) bump = true;
    x.entra = { deviceObjectId: x.entra.deviceObjectId, deviceTrustType: x.entra.deviceTrustType, deviceOsVersion: x.entra.deviceOsVersion, deviceIsManaged: x.entra.deviceIsManaged };
  }
  if (managerChanged) {
    ends.changes.push('manager');
    x.steps.user = { state: 'pending' };
    if (x.reveal?.state === 'revealed') bump = true; // the old manager has seen it: a fresh pass
    else if (x.notice.state !== 'pending') {
      if (x.reveal?.state === 'active') ends.revokeLinks.push(x.reveal.tokenHash);
      x.reveal = null;
      x.notice = { state: 'pending' };
      x.steps.notice = { state: 'pending' };
    }
  }
  if (deviceChanged) {
    ends.changes.push('deviceId');
    x.steps.device = { state: 'pending' };
    x.entra = { ...x.entra, deviceObjectId: undefined, deviceTrustType: undefined, deviceOsVersion: undefined, deviceIsManaged: undefined };
    x.warnings = x.warnings.filter((w) => !w.startsWith('device runs Windows'));
  }
  if (planChanged) {
    ends.changes.push('activation plan');
    x.activationAt = activationFor(hire, ports.settings).toISOString();
    bump = true;
  }
  if (bump) {
    ends.oldGeneration = x.generation;
    x.generation += 1;
    revokeIssued(x, upnChanged ? 'the hire\'s account changed' : planChanged ? 'the activation plan changed' : 'a new manager gets a fresh pass', ends);
  }
  const changed = ends.changes.length > 0;
  if (x.status === 'failed' || x.status === 'needs_attention') {
    // An update is a chance to fix what stopped: failed steps run again.
    for (const name of Object.keys(x.steps) as (keyof typeof x.steps)[]) {
      if (x.steps[name].state === 'failed') x.steps[name] = { state: 'pending' };
    }
    if (x.attention?.condition !== 'notice-unknown' || bump) x.attention = null;
    if (!x.attention) x.status = 'in_progress';
  } else if (bump || (changed && x.notice.state === 'pending')) {
    x.status = 'in_progress';
  }
  return ends;
}

/**
 * Ends the links and drops the sealed passcodes a change takes away. Done before the record
 * write, as the record read at the start says: a crash between the two then leaves no old link
 * usable, since a re-run of the event finds it applied and only adds its follow-ups, and a
 * reveal cannot slip in after the record moved on. After the write, only what the written
 * record adds to that (a reveal in between changed it) is taken away too; `done` skips the rest.
 */
async function takeAway(ports: WorkflowPorts, employeeId: string, ends: Ends, at: Date, done?: Ends): Promise<void> {
  for (const hash of ends.revokeLinks) if (!done?.revokeLinks.includes(hash)) await ports.links.end(hash, 'revoked', at);
  for (const tapId of ends.dropPasscodes) if (!done?.dropPasscodes.includes(tapId)) await ports.links.dropPasscode(employeeId, tapId);
}

const copyOf = (r: OnboardingRecord): OnboardingRecord => JSON.parse(JSON.stringify(r)) as OnboardingRecord;

async function update(ports: WorkflowPorts, current: OnboardingRecord, hire: HireData, job: ApplyHireEventJob): Promise<JobOutcome> {
  const now = ports.clock.now();
  const preview = applyUpdate(copyOf(current), current, hire, job, now, ports);
  if (preview) await takeAway(ports, current.employeeId, preview, now);
  let ends: Ends = { revokeLinks: [], dropPasscodes: [], changes: [], oldGeneration: null };
  const written = await ports.store.update(current.employeeId, (x) => {
    const applied = applyUpdate(x, current, hire, job, now, ports);
    if (!applied) return null;
    ends = applied;
    return x;
  });
  if (!written) return applyHireEvent(ports, job);
  if (written.lastEvent.eventId !== job.eventId) {
    // Lost a race to a newer event, or the record was replaced: go through the checks again.
    return applyHireEvent(ports, job);
  }
  const at = ports.clock.now();
  await takeAway(ports, written.employeeId, ends, at, preview ?? undefined);
  await auditFor(ports, written, 'event.applied', 'success', {
    eventId: job.eventId,
    detail: ends.changes.length ? `changed: ${ends.changes.join(', ')}${ends.oldGeneration !== null ? `; re-planned as generation ${written.generation}` : ''}` : 'no change',
  });
  if (ends.revokeLinks.length) await auditFor(ports, written, 'link.revoked', 'success', { eventId: job.eventId, detail: 'reveal link revoked by an HR change' });
  // An expired onboarding is over: nothing to prepare.
  return { followUps: written.expiry ? [] : [prepareJob(written, job.seq)], removeJobIds: jobsOf(written, ends) };
}

async function cancel(ports: WorkflowPorts, current: OnboardingRecord, job: ApplyHireEventJob, reason?: string): Promise<JobOutcome> {
  if (current.status === 'cancelled') {
    await touchLastEvent(ports, current, job);
    await auditFor(ports, current, 'event.cancel-repeated', 'skipped', { eventId: job.eventId, detail: 'already cancelled' });
    return nothing('already cancelled');
  }
  const now = ports.clock.now();
  // What the cancellation takes away goes first (takeAway above says why).
  const preview: Ends = { revokeLinks: [], dropPasscodes: [], changes: [], oldGeneration: current.generation };
  revokeIssued(copyOf(current), 'the hire was cancelled', preview);
  await takeAway(ports, current.employeeId, preview, now);
  let ends: Ends = { revokeLinks: [], dropPasscodes: [], changes: [], oldGeneration: null };
  const written = await ports.store.update(current.employeeId, (x) => {
    ends = { revokeLinks: [], dropPasscodes: [], changes: [], oldGeneration: x.generation };
    if (x.onboardingId !== current.onboardingId || isOlder(job, x.lastEvent) || x.status === 'cancelled') return null;
    x.lastEvent = lastEventOf(job);
    x.generation += 1;
    revokeIssued(x, 'the hire was cancelled', ends);
    x.status = 'cancelled';
    x.attention = null;
    x.cancelledAt = now.toISOString();
    if (reason) x.cancelReason = reason;
    x.updatedAt = now.toISOString();
    return x;
  });
  if (!written || written.lastEvent.eventId !== job.eventId) return applyHireEvent(ports, job);
  await takeAway(ports, written.employeeId, ends, now, preview);
  await auditFor(ports, written, 'onboarding.cancelled', 'success', { eventId: job.eventId, detail: reason ? `reason: ${reason}` : 'cancelled by HR' });
  if (ends.revokeLinks.length) await auditFor(ports, written, 'link.revoked', 'success', { eventId: job.eventId, detail: 'reveal link revoked by the cancellation' });
  return {
    followUps: [cancelJob(written, job.eventId, reason)],
    removeJobIds: jobsOf(written, ends),
  };
}
