import type { HireEvent } from '../domain/hire-event.schema';

/**
 * The one catalog of queues and jobs shared by the API and the worker (STYLE habit 2).
 * Plain data: core does not import BullMQ; the services turn these into Queue/Worker options.
 *
 * NEVER RENAME A QUEUE OR JOB NAME WITHOUT A MIGRATION: the names are persisted in Redis
 * keys and in every waiting or delayed job; a renamed queue silently strands them.
 */
export const QUEUES = {
  /** Accepted HR events, one job per webhook-id. */
  events: 'hire-events',
  /** Per-onboarding work: prepare (steps 1–4, and 5–6 at once when the instant has passed), activate (5–6), cancel, expire. */
  onboarding: 'onboarding',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Payloads hold ids and HR data only: never a passcode, token or secret. */
export interface ApplyHireEventJob {
  eventId: string;
  /** Arrival order at the API (Redis INCR): breaks ties between equal HR timestamps. */
  seq: number;
  receivedAt: string;
  event: HireEvent;
}

export interface OnboardingJob {
  employeeId: string;
  onboardingId: string;
  generation: number;
}

export interface OpsActionJob extends OnboardingJob {
  /** Who asked, for the audit trail (e.g. "ops"). */
  actor: string;
  /** The audit entry id of the request, to tie the outcome to it. */
  requestedAt: string;
}

export const JOBS = {
  applyHireEvent: { queue: QUEUES.events, name: 'apply-hire-event' },
  prepare: { queue: QUEUES.onboarding, name: 'prepare' },
  activate: { queue: QUEUES.onboarding, name: 'activate' },
  cancel: { queue: QUEUES.onboarding, name: 'cancel' },
  expire: { queue: QUEUES.onboarding, name: 'expire' },
  retry: { queue: QUEUES.onboarding, name: 'retry' },
  reissue: { queue: QUEUES.onboarding, name: 'reissue' },
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS]['name'];

export interface JobPayloads {
  'apply-hire-event': ApplyHireEventJob;
  prepare: OnboardingJob;
  activate: OnboardingJob;
  cancel: OnboardingJob & { reason?: string; eventId: string };
  expire: OnboardingJob;
  retry: OpsActionJob;
  reissue: OpsActionJob;
}

/**
 * Retry policy, one layer per concern (STYLE habit 6), and their product:
 * - HR → API: the HR system redelivers only what was not answered 2xx; a 2xx means the event
 *   is stored and deduplicated by webhook-id, so HR retries never multiply the layers below.
 * - Graph SDK: its RetryHandler is left out of the middleware chain (0 retries); one call is
 *   bounded by a timeout (30 s).
 * - BullMQ: a transient failure (5xx, timeout, reset) is tried `attempts` = 30 times with
 *   capped exponential backoff and jitter: waits of 1–2 s, 2–4 s, … up to 2.5–5 min, about
 *   1–2 h in all (plus up to 30 s of timeout per attempt). So one Graph call is sent at
 *   most 30 times in a row, never 30 × the SDK's retries. After that the onboarding needs
 *   attention (graph-unavailable) and the job is re-delayed every 15 min, spending no
 *   attempt, until Graph answers: a transient error never fails an onboarding (spec
 *   "Guarantees"; workflow/failure-policy.ts).
 * - Not counted as attempts: 429 (the queue pauses for Retry-After; without it the pause
 *   doubles per throttle in a row, 2 s … 5 min), "waiting" conditions (re-delayed within
 *   their own windows: USER_LOOKUP_WINDOW_MINUTES, REPLICATION_WINDOW_MINUTES), a job that
 *   finds another job of the same employee running (re-delayed, 0.25–1 s), and a stalled job
 *   of a killed worker (taken over after its lock lapses; maxStalledCount is set far above
 *   any real count, so a crash never fails an onboarding).
 */
export const RETRY_POLICY = {
  attempts: 30,
  backoffType: 'capped-exponential',
  baseDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
} as const;

export function cappedExponentialBackoff(attemptsMade: number, random: () => number = Math.random): number {
  const exp = Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  // Full jitter on the upper half: spreads a burst of retries without ever retrying at once.
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Completed and failed jobs are kept this long, so a late duplicate add is still ignored. */
export const JOB_RETENTION = {
  completedAgeSeconds: 7 * 24 * 3600,
  completedCount: 50_000,
  failedAgeSeconds: 30 * 24 * 3600,
} as const;

/**
 * BullMQ job ids may not contain ':' nor be integer strings; ids derived from HR data are
 * kept readable where possible and hashed where not.
 */
export function jobId(kind: string, ...parts: (string | number)[]): string {
  return [kind, ...parts.map((p) => String(p).replace(/[^A-Za-z0-9._-]/g, '_'))].join('-');
}
