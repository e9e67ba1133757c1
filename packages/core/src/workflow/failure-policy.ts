import type { StepName } from '../domain/onboarding';
import { ThrottledError, WaitingError, isWorkflowError, type WorkflowError } from '../errors';
import { cappedExponentialBackoff } from '../jobs/job-catalog';
import { CorruptRecordError } from '../store/onboarding-store';
import { StepError } from './follow-ups';
import type { OnboardingRef, WorkflowPorts, WorkflowSettings } from './ports';
import { StaleJobError, auditFor, updateCurrent } from './record-ops';

/**
 * What to do with a failed job, decided in one place over the error kinds of ../errors.ts
 * (STYLE habit 5). The worker carries the decision out with BullMQ:
 * - stale:      complete, doing nothing;
 * - rate-limit: Graph throttled: pause the queue, spend no attempt;
 * - delay:      a waiting condition: re-delay the job, spend no attempt;
 * - retry:      transient: let BullMQ's attempts and backoff work;
 * - fail:       permanent: stop now (UnrecoverableError), the record says why.
 */
export type FailureDecision =
  | { kind: 'stale'; reason: string }
  | { kind: 'rate-limit'; delayMs: number; reason: string }
  | { kind: 'delay'; delayMs: number; reason: string }
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

export function waitingWindowMs(condition: string, settings: Pick<WorkflowSettings, 'userLookupWindowMs' | 'replicationWindowMs'>): number {
  return condition === 'tap-policy-replication' ? settings.replicationWindowMs : settings.userLookupWindowMs;
}

export async function decideFailure(
  ports: WorkflowPorts,
  ref: OnboardingRef | null,
  thrown: unknown,
  attempt: AttemptInfo,
): Promise<FailureDecision> {
  const step: StepName | null = thrown instanceof StepError ? thrown.step : null;
  const err = thrown instanceof StepError ? thrown.cause : thrown;

  if (err instanceof StaleJobError) return { kind: 'stale', reason: err.message };
  if (err instanceof CorruptRecordError) return { kind: 'fail', reason: err.message };
  if (err instanceof ThrottledError) return { kind: 'rate-limit', delayMs: Math.max(1, err.retryAfterMs), reason: err.reason };
  try {
    if (err instanceof WaitingError && ref && step) return await waiting(ports, ref, step, err);
    const final = attempt.attemptsMade + 1 >= attempt.attempts;
    const reason = isWorkflowError(err) ? err.reason : err instanceof Error ? err.message : String(err);
    if (isWorkflowError(err) && err.kind === 'permanent') {
      if (ref && step) await recordFailed(ports, ref, step, err, attempt);
      return { kind: 'fail', reason };
    }
    if (ref && step) {
      if (final) await recordFailed(ports, ref, step, err, attempt);
      else await recordAttempt(ports, ref, step, reason);
    }
    return { kind: 'retry', reason };
  } catch (inner) {
    if (inner instanceof StaleJobError) return { kind: 'stale', reason: inner.message };
    throw inner;
  }
}

async function waiting(ports: WorkflowPorts, ref: OnboardingRef, step: StepName, err: WaitingError): Promise<FailureDecision> {
  const window = waitingWindowMs(err.condition, ports.settings);
  const now = ports.clock.now();
  let waits = 1;
  let since = now.toISOString();
  let turned = false;
  await updateCurrent(ports, ref, (x) => {
    const s = x.steps[step];
    if (s.state === 'pending') {
      waits = s.attempts ?? 1;
      since = s.waitingSince ?? since;
    }
    if (now.getTime() - Date.parse(since) < window) return false;
    if (x.status === 'needs_attention' && x.attention?.condition === err.condition) return false;
    turned = true;
    x.status = 'needs_attention';
    x.attention = { condition: err.condition, message: err.message, since };
  });
  if (turned) {
    await auditFor(ports, ref, 'onboarding.needs-attention', 'failure', {
      detail: `${err.message}; still waiting after ${Math.round(window / 60_000)} min, checked again every ${SLOW_WAIT_CADENCE_MS / 60_000} min`,
      graphRequestId: err.graph?.requestId,
    });
  }
  const over = now.getTime() - Date.parse(since) >= window;
  const delayMs = over ? SLOW_WAIT_CADENCE_MS : Math.min(cappedExponentialBackoff(waits), Math.max(1_000, Date.parse(since) + window - now.getTime()));
  return { kind: 'delay', delayMs, reason: err.reason };
}

async function recordAttempt(ports: WorkflowPorts, ref: OnboardingRef, step: StepName, reason: string): Promise<void> {
  await updateCurrent(ports, ref, (x) => {
    const s = x.steps[step];
    if (s.state !== 'pending') return false;
    x.steps[step] = { ...s, attempts: (s.attempts ?? 0) + 1, lastError: reason };
  });
}

async function recordFailed(ports: WorkflowPorts, ref: OnboardingRef, step: StepName, err: unknown, attempt: AttemptInfo): Promise<void> {
  const reason = isWorkflowError(err) ? (err as WorkflowError).reason : err instanceof Error ? err.message : String(err);
  const at = ports.clock.now().toISOString();
  await updateCurrent(ports, ref, (x) => {
    x.steps[step] = { state: 'failed', reason, attempts: attempt.attemptsMade + 1, at };
    x.status = 'failed';
  });
  await auditFor(ports, ref, 'step.failed', 'failure', {
    detail: `${step}: ${reason}`,
    graphRequestId: isWorkflowError(err) ? err.graph?.requestId : undefined,
  });
}
