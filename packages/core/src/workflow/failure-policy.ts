import type { StepName } from '../domain/onboarding';
import { PermanentError, ThrottledError, TransientError, WaitingError, isWorkflowError } from '../errors';
import { cappedExponentialBackoff } from '../jobs/job-catalog';
import { CorruptRecordError } from '../store/onboarding-store';
import { StepError } from './follow-ups';
import type { OnboardingRef, WorkflowPorts, WorkflowSettings } from './ports';
import { InvalidJobError } from './job-payloads';
import { GRAPH_UNAVAILABLE, StaleJobError, addWarning, auditFor, loadCurrent, removeWarningsStartingWith, updateCurrent, type CurrentOptions } from './record-ops';

/**
 * What to do with a failed job, decided in one place over the error kinds of ../errors.ts
 * (STYLE habit 5). The worker carries the decision out with BullMQ:
 * - stale:      complete, doing nothing;
 * - rate-limit: Graph throttled: pause the queue, spend no attempt;
 *   (a mailbox's throttle is a delay of that job alone: passes must not wait for notices)
 * - delay:      a waiting condition: re-delay the job, spend no attempt; also a transient
 *               Graph failure once BullMQ's attempts are spent (spec "Guarantees": transient
 *               errors delay work, they never fail an onboarding);
 * - retry:      transient: let BullMQ's attempts and backoff work;
 * - fail:       permanent: stop now (UnrecoverableError), the record says why.
 */
export type FailureDecision =
  | { kind: 'stale'; reason: string }
  /** `retryAfterKnown` false: Graph sent no Retry-After; the runner grows the delay itself. */
  | { kind: 'rate-limit'; delayMs: number; reason: string; retryAfterKnown: boolean }
  /** `condition`: the WaitingError's, when a waiting condition caused the delay. */
  | { kind: 'delay'; delayMs: number; reason: string; condition?: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'fail'; reason: string };

/** Once a waiting window is over, the condition is still checked this often, so it clears by itself. */
export const SLOW_WAIT_CADENCE_MS = 15 * 60_000;

export interface AttemptInfo {
  /** Attempts already spent before this one (BullMQ `attemptsMade`). */
  attemptsMade: number;
  /** The job's total attempts. */
  attempts: number;
}

/**
 * Replication lag (the TAP policy refusing a user just added to its group, a 404 for an
 * object just created): waited on within REPLICATION_WINDOW_MINUTES, then a permanent failure
 * with Graph's answer. Other conditions (an account not provisioned yet, a device not
 * registered yet) become needs_attention after their window and keep being checked slowly.
 */
export const REPLICATION_CONDITIONS: ReadonlySet<string> = new Set(['tap-policy-replication', 'object-replication']);

export function waitingWindowMs(condition: string, settings: Pick<WorkflowSettings, 'userLookupWindowMs' | 'replicationWindowMs'>): number {
  return REPLICATION_CONDITIONS.has(condition) ? settings.replicationWindowMs : settings.userLookupWindowMs;
}

/** Errors of code, not of the world (a bug, or poison data in a record): no retry can help. */
function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError;
}

/** The one-line reason recorded on a step: ours, then Graph's own message, code and request-id. */
export function failureReason(err: unknown): string {
  if (isWorkflowError(err)) {
    const graphMessage = err.graph?.message && err.graph.message !== err.message ? `; Graph says "${err.graph.message}"` : '';
    return `${err.reason}${graphMessage}`;
  }
  return err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
}

export async function decideFailure(
  ports: WorkflowPorts,
  ref: OnboardingRef | null,
  thrown: unknown,
  attempt: AttemptInfo,
  opts: CurrentOptions = {},
): Promise<FailureDecision> {
  const step: StepName | null = thrown instanceof StepError ? thrown.step : null;
  const err = thrown instanceof StepError ? thrown.cause : thrown;

  if (err instanceof StaleJobError) return { kind: 'stale', reason: err.message };
  if (err instanceof CorruptRecordError || err instanceof InvalidJobError) return { kind: 'fail', reason: err.message };
  if (err instanceof ThrottledError && err.scope === 'mailbox') {
    // Outlook's limits are per mailbox (graph.md "Notices"): the sender's notices wait, every
    // other call goes on. No attempt is spent, as for any throttle.
    return { kind: 'delay', delayMs: Math.max(1_000, err.retryAfterMs), reason: err.reason };
  }
  if (err instanceof ThrottledError) {
    return { kind: 'rate-limit', delayMs: Math.max(1, err.retryAfterMs), reason: err.reason, retryAfterKnown: err.retryAfterKnown };
  }
  try {
    if (err instanceof WaitingError && ref && step) return await waiting(ports, ref, step, err, attempt, opts);
    const final = attempt.attemptsMade + 1 >= attempt.attempts;
    const reason = failureReason(err);
    if ((isWorkflowError(err) && err.kind === 'permanent') || isProgrammingError(err)) {
      if (ref && step) await recordFailed(ports, ref, step, err, attempt, opts);
      return { kind: 'fail', reason };
    }
    if (ref && step && final && err instanceof TransientError) return await graphUnavailable(ports, ref, step, err, opts);
    if (ref && step) {
      if (final) await recordFailed(ports, ref, step, err, attempt, opts);
      else await recordAttempt(ports, ref, step, reason, opts);
    }
    return { kind: 'retry', reason };
  } catch (inner) {
    if (inner instanceof StaleJobError) return { kind: 'stale', reason: inner.message };
    throw inner;
  }
}

async function waiting(
  ports: WorkflowPorts,
  ref: OnboardingRef,
  step: StepName,
  err: WaitingError,
  attempt: AttemptInfo,
  opts: CurrentOptions,
): Promise<FailureDecision> {
  if (REPLICATION_CONDITIONS.has(err.condition)) {
    const r = await loadCurrent(ports, ref, opts);
    const s = r.steps[step];
    const since = s.state === 'pending' && s.waitingFor === err.condition && s.waitingSince ? s.waitingSince : ports.clock.now().toISOString();
    if (ports.clock.now().getTime() - Date.parse(since) >= waitingWindowMs(err.condition, ports.settings)) {
      const windowMin = Math.round(waitingWindowMs(err.condition, ports.settings) / 60_000);
      const lasting = new PermanentError(`${err.message}; still so after the replication window (${windowMin} min)`, err.graph);
      await recordFailed(ports, ref, step, lasting, attempt, opts);
      return { kind: 'fail', reason: failureReason(lasting) };
    }
  }
  const window = waitingWindowMs(err.condition, ports.settings);
  const now = ports.clock.now();
  let waits = 1;
  let since = now.toISOString();
  let turned = false;
  let activationAt = Number.NaN;
  await updateCurrent(ports, ref, (x) => {
    const s = x.steps[step];
    activationAt = Date.parse(x.activationAt);
    if (x.status === 'cancelled') return false;
    if (s.state === 'pending') {
      waits = s.attempts ?? 1;
      since = s.waitingSince ?? since;
    }
    if (now.getTime() - Date.parse(since) < window) return false;
    if (x.status === 'needs_attention' && x.attention?.condition === err.condition) return false;
    turned = true;
    x.status = 'needs_attention';
    x.attention = { condition: err.condition, message: err.message, since };
  }, opts);
  if (turned) {
    await auditFor(ports, ref, 'onboarding.needs-attention', 'failure', {
      detail: `${err.message}; still waiting after ${Math.round(window / 60_000)} min, checked again every ${SLOW_WAIT_CADENCE_MS / 60_000} min`,
      graphRequestId: err.graph?.requestId,
    });
  }
  const over = now.getTime() - Date.parse(since) >= window;
  const delayMs = over ? SLOW_WAIT_CADENCE_MS : Math.min(cappedExponentialBackoff(waits), Math.max(1_000, Date.parse(since) + window - now.getTime()));
  return { kind: 'delay', delayMs: untilActivation(delayMs, activationAt, now), reason: err.reason, condition: err.condition };
}

/**
 * A wait never outlasts the activation instant: what it waits on may stop mattering there (a
 * device still missing no longer holds the pass back, steps/ensure-device.step.ts), and the
 * job that waits may be the one that has to issue the pass at that instant.
 */
export function untilActivation(delayMs: number, activationAt: number, now: Date): number {
  const left = activationAt - now.getTime();
  return Number.isFinite(left) && left > 0 ? Math.min(delayMs, left) : delayMs;
}

/**
 * A transient Graph failure (5xx, timeout) that outlasted BullMQ's attempts: the onboarding
 * needs attention, audited once when it turns, and the job keeps trying every
 * SLOW_WAIT_CADENCE_MS without spending attempts, so it goes on by itself once Graph answers.
 * The step carries the condition as its wait (record-ops.ts clears the attention once no step
 * waits on it any more). A step already settled (the expiry check of a done pass) is not
 * rewritten: its job only keeps trying. A cancel job on a cancelled record keeps it cancelled
 * and says on a warning what is still left at Graph.
 */
async function graphUnavailable(ports: WorkflowPorts, ref: OnboardingRef, step: StepName, err: TransientError, opts: CurrentOptions): Promise<FailureDecision> {
  const reason = failureReason(err);
  const now = ports.clock.now().toISOString();
  const cancelPrefix = `${CANCEL_INCOMPLETE_PREFIX}: ${step}:`;
  let turned: 'attention' | 'cancel' | null = null;
  await updateCurrent(
    ports,
    ref,
    (x) => {
      turned = null;
      const s = x.steps[step];
      if (x.status === 'cancelled') {
        if (!x.warnings.some((w) => w.startsWith(cancelPrefix))) turned = 'cancel';
        removeWarningsStartingWith(x, cancelPrefix);
        addWarning(x, `${cancelPrefix} ${reason}; tried again every ${SLOW_WAIT_CADENCE_MS / 60_000} min`);
        return;
      }
      if (s.state !== 'pending') return false;
      const since = s.waitingFor === GRAPH_UNAVAILABLE && s.waitingSince ? s.waitingSince : now;
      x.steps[step] = { ...s, attempts: (s.attempts ?? 0) + 1, lastError: reason, waitingFor: GRAPH_UNAVAILABLE, waitingSince: since };
      if (x.attention?.condition !== GRAPH_UNAVAILABLE) turned = 'attention';
      // The latest answer is the one ops want to quote to Microsoft; `since` stays the first.
      x.status = 'needs_attention';
      x.attention = { condition: GRAPH_UNAVAILABLE, message: `${step}: ${reason}`, since: x.attention?.condition === GRAPH_UNAVAILABLE ? x.attention.since : since };
    },
    {
      ...opts,
      audit: () =>
        turned
          ? {
              action: turned === 'cancel' ? 'cancel.delayed' : 'onboarding.needs-attention',
              outcome: 'failure',
              detail: `${step}: ${reason}; still failing after the retry budget, tried again every ${SLOW_WAIT_CADENCE_MS / 60_000} min`,
              graphRequestId: err.graph?.requestId,
            }
          : null,
    },
  );
  return { kind: 'delay', delayMs: SLOW_WAIT_CADENCE_MS, reason, condition: GRAPH_UNAVAILABLE };
}

async function recordAttempt(ports: WorkflowPorts, ref: OnboardingRef, step: StepName, reason: string, opts: CurrentOptions): Promise<void> {
  await updateCurrent(
    ports,
    ref,
    (x) => {
      const s = x.steps[step];
      if (s.state !== 'pending') return false;
      x.steps[step] = { ...s, attempts: (s.attempts ?? 0) + 1, lastError: reason };
    },
    opts,
  );
}

export const CANCEL_INCOMPLETE_PREFIX = 'cancellation incomplete';

/**
 * The step fails on the record with the reason. On a cancelled record (the cancel job's own
 * failures) the status stays cancelled and a warning tells ops what was left at Graph.
 */
async function recordFailed(ports: WorkflowPorts, ref: OnboardingRef, step: StepName, err: unknown, attempt: AttemptInfo, opts: CurrentOptions): Promise<void> {
  const reason = failureReason(err);
  const at = ports.clock.now().toISOString();
  let cancelled = false;
  await updateCurrent(
    ports,
    ref,
    (x) => {
      x.steps[step] = { state: 'failed', reason, attempts: attempt.attemptsMade + 1, at };
      cancelled = x.status === 'cancelled';
      if (cancelled) addWarning(x, `${CANCEL_INCOMPLETE_PREFIX}: ${step}: ${reason}`);
      else x.status = 'failed';
    },
    opts,
  );
  await auditFor(ports, ref, cancelled ? 'cancel.failed' : 'step.failed', 'failure', {
    detail: `${step}: ${reason}`,
    graphRequestId: isWorkflowError(err) ? err.graph?.requestId : undefined,
  });
}
