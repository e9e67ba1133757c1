import type { JobsOptions } from 'bullmq';
import { JOB_RETENTION, RETRY_POLICY, type JobName } from '@hirepass/core';

/**
 * BullMQ priority of the onboarding jobs the worker adds (1 runs first). A pass due now must
 * never queue behind a burst of preparations that are days ahead (issue 8, activation lag):
 * activate first, then the clean-ups that withdraw passes, then prepare. BullMQ serves jobs
 * without a priority before all prioritized ones, so the ops jobs the API adds (retry,
 * re-issue: a person is waiting) still come first. A job re-delayed by a waiting condition or
 * the employee lease keeps its priority.
 */
export const JOB_PRIORITY: { readonly [N in JobName]?: number } = {
  activate: 1,
  cancel: 2,
  expire: 2,
  prepare: 3,
};

/** Options for every job the worker adds, from the shared catalog (RETRY_POLICY, JOB_RETENTION). */
export function jobOptions(jobId: string, delayMs = 0, name?: JobName): JobsOptions {
  const priority = name ? JOB_PRIORITY[name] : undefined;
  return {
    jobId,
    ...(delayMs > 0 ? { delay: delayMs } : {}),
    ...(priority ? { priority } : {}),
    attempts: RETRY_POLICY.attempts,
    backoff: { type: RETRY_POLICY.backoffType },
    removeOnComplete: { age: JOB_RETENTION.completedAgeSeconds, count: JOB_RETENTION.completedCount },
    removeOnFail: { age: JOB_RETENTION.failedAgeSeconds },
  };
}

/**
 * BullMQ's lock on a running job and the stalled-job check (see the retry product in
 * jobs/job-catalog.ts). A SIGKILLed worker's job is handed to another after at most
 * lockDuration + stalledInterval. A stall is a crash, not the job's fault: it spends no
 * attempt and, with this bound, never fails an onboarding (only a job that kills its worker
 * a thousand times would). The employee lease expires on the same scale.
 */
export interface WorkerLocks {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  leaseTtlMs: number;
}

export const WORKER_LOCKS: WorkerLocks = {
  lockDurationMs: 30_000,
  stalledIntervalMs: 15_000,
  maxStalledCount: 1_000,
  leaseTtlMs: 30_000,
};
