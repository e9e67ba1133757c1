import { WaitingError, type GraphErrorDetail } from '../errors';
import type { OnboardingRecord, StepName, StepRecord } from '../domain/onboarding';
import type { AuditEntry } from '../store/audit-trail';
import type { OnboardingRef, WorkflowPorts } from './ports';

/**
 * A job whose onboarding was replaced (rehire), re-planned (generation bumped) or cancelled.
 * Not a failure: the job completes doing nothing.
 */
export class StaleJobError extends Error {
  constructor(readonly ref: OnboardingRef, why: string) {
    super(`stale job for ${ref.employeeId} (onboarding ${ref.onboardingId}, generation ${ref.generation}): ${why}`);
    this.name = 'StaleJobError';
  }
}

/**
 * Attention condition of a step whose Graph calls kept failing transiently past the retry
 * budget (workflow/failure-policy.ts). The step waits on it like on any condition.
 */
export const GRAPH_UNAVAILABLE = 'graph-unavailable';

export interface CurrentOptions {
  /** The cancel job works on a cancelled record; every other job treats one as stale. */
  allowCancelled?: boolean;
}

/** An onboarding's audit entry as a step states it; when, which onboarding and (by default) who are filled in. */
export interface AuditNote {
  action: string;
  outcome: AuditEntry['outcome'];
  detail?: string;
  graphRequestId?: string;
  actor?: string;
  eventId?: string;
}

export interface UpdateOptions extends CurrentOptions {
  /**
   * The change's audit entry, written in the same script as the record (or not at all, when
   * nothing changes), so a crash can never leave a change without its entry. A function
   * decides from the record about to be written.
   */
  audit?: AuditNote | ((next: OnboardingRecord) => AuditNote | null);
  /**
   * The entry is of something already done at the tenant (a group add, a pass, a mail): if the
   * job turns out stale, it is appended on its own, because that happened whatever became of
   * the plan.
   */
  auditIfStale?: boolean;
}

function staleReason(r: OnboardingRecord | null, ref: OnboardingRef, opts: CurrentOptions): string | null {
  if (!r) return 'the onboarding no longer exists';
  if (r.onboardingId !== ref.onboardingId) return `onboarding is now ${r.onboardingId}`;
  if (r.generation !== ref.generation) return `generation is now ${r.generation}`;
  if (r.status === 'cancelled' && !opts.allowCancelled) return 'the onboarding is cancelled';
  return null;
}

export async function loadCurrent(ports: WorkflowPorts, ref: OnboardingRef, opts: CurrentOptions = {}): Promise<OnboardingRecord> {
  const r = await ports.store.get(ref.employeeId);
  const why = staleReason(r, ref, opts);
  if (why) throw new StaleJobError(ref, why);
  return r!;
}

/**
 * CAS update that only touches the record the job belongs to. `mutate` edits the copy in place
 * (or returns false to leave it unchanged); it may run more than once, so no side effects.
 */
export async function updateCurrent(
  ports: WorkflowPorts,
  ref: OnboardingRef,
  mutate: (r: OnboardingRecord) => void | false,
  opts: UpdateOptions = {},
): Promise<OnboardingRecord> {
  let why: string | null = null;
  const now = ports.clock.now().toISOString();
  const { audit } = opts;
  const writes =
    audit &&
    ((next: OnboardingRecord) => {
      const note = typeof audit === 'function' ? audit(next) : audit;
      return note ? ports.audit.appendWrites(auditEntry(ports, ref, note)) : null;
    });
  const out = await ports.store.update(
    ref.employeeId,
    (r) => {
      why = staleReason(r, ref, opts);
      if (why) return null;
      if (mutate(r) === false) return null;
      graphAnswered(r);
      r.updatedAt = now;
      return r;
    },
    writes,
  );
  if (why || !out) {
    if (opts.auditIfStale && audit && typeof audit !== 'function') await ports.audit.append(auditEntry(ports, ref, audit));
    throw new StaleJobError(ref, why ?? 'the onboarding no longer exists');
  }
  return out;
}

/**
 * Graph-unavailable lasts as long as a step still waits on it. Checked on every write, because
 * any step getting past it (done, skipped, failed for good, or waiting on something else: Graph
 * answered) rewrites its own record, and several of them have no reason to know this condition.
 */
function graphAnswered(r: OnboardingRecord): void {
  if (r.attention?.condition !== GRAPH_UNAVAILABLE) return;
  if (Object.values(r.steps).some((s) => s.state === 'pending' && s.waitingFor === GRAPH_UNAVAILABLE)) return;
  clearAttention(r, GRAPH_UNAVAILABLE);
}

export function setStep(r: OnboardingRecord, step: StepName, rec: StepRecord): void {
  r.steps[step] = rec;
}

export function stepDone(at: Date, detail?: string): StepRecord {
  return detail ? { state: 'done', at: at.toISOString(), detail } : { state: 'done', at: at.toISOString() };
}

export function stepSkipped(at: Date, reason: string): StepRecord {
  return { state: 'skipped', reason, at: at.toISOString() };
}

export function isSettled(s: StepRecord): boolean {
  return s.state === 'done' || s.state === 'skipped';
}

export function addWarning(r: OnboardingRecord, text: string): void {
  if (!r.warnings.includes(text)) r.warnings.push(text);
}

export function removeWarningsStartingWith(r: OnboardingRecord, prefix: string): void {
  r.warnings = r.warnings.filter((w) => !w.startsWith(prefix));
}

/** Clears a needs_attention that this condition caused, once the step gets past it. */
export function clearAttention(r: OnboardingRecord, condition: string): void {
  if (r.attention?.condition === condition) {
    r.attention = null;
    if (r.status === 'needs_attention') r.status = 'in_progress';
  }
}

export function auditEntry(ports: Pick<WorkflowPorts, 'clock'>, ref: Pick<OnboardingRef, 'employeeId' | 'onboardingId'>, note: AuditNote): Omit<AuditEntry, 'id'> {
  return {
    at: ports.clock.now().toISOString(),
    employeeId: ref.employeeId,
    onboardingId: ref.onboardingId,
    actor: note.actor ?? 'worker',
    action: note.action,
    outcome: note.outcome,
    ...(note.detail ? { detail: note.detail } : {}),
    ...(note.graphRequestId ? { graphRequestId: note.graphRequestId } : {}),
    ...(note.eventId ? { eventId: note.eventId } : {}),
  };
}

/** An entry on its own, for what changes no record (or already changed it). */
export async function auditFor(
  ports: WorkflowPorts,
  ref: Pick<OnboardingRef, 'employeeId' | 'onboardingId'>,
  action: string,
  outcome: AuditEntry['outcome'],
  extra: Omit<AuditNote, 'action' | 'outcome'> = {},
): Promise<void> {
  await ports.audit.append(auditEntry(ports, ref, { action, outcome, ...extra }));
}

/**
 * Records that `step` waits on `condition` (keeping the first time it did, which starts the
 * window) and throws the WaitingError the failure policy turns into a delay.
 */
export async function waitOn(
  ports: WorkflowPorts,
  ref: OnboardingRef,
  step: StepName,
  condition: string,
  message: string,
  graph?: GraphErrorDetail,
): Promise<never> {
  const now = ports.clock.now().toISOString();
  await updateCurrent(ports, ref, (r) => {
    const cur = r.steps[step];
    const since = cur.state === 'pending' && cur.waitingFor === condition && cur.waitingSince ? cur.waitingSince : now;
    const attempts = cur.state === 'pending' ? (cur.attempts ?? 0) + 1 : 1;
    r.steps[step] = { state: 'pending', waitingFor: condition, waitingSince: since, attempts };
  });
  throw new WaitingError(message, condition, graph);
}

/** Drops the waiting marks of a step that got past its condition. */
export function doneWaiting(r: OnboardingRecord, step: StepName): void {
  const cur = r.steps[step];
  if (cur.state === 'pending' && cur.waitingFor) {
    const { waitingFor: _w, waitingSince: _s, ...rest } = cur;
    r.steps[step] = rest;
    clearAttention(r, _w);
  }
}
