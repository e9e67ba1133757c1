import type { JobsOptions } from 'bullmq';
import { JOB_RETENTION, RETRY_POLICY } from '@hirepass/core';

/** Options for every job the worker adds, from the shared catalog (RETRY_POLICY, JOB_RETENTION). */
export function jobOptions(jobId: string, delayMs = 0): JobsOptions {
  return {
    jobId,
    ...(delayMs > 0 ? { delay: delayMs } : {}),
    attempts: RETRY_POLICY.attempts,
    backoff: { type: RETRY_POLICY.backoffType },
    removeOnComplete: { age: JOB_RETENTION.completedAgeSeconds, count: JOB_RETENTION.completedCount },
    removeOnFail: { age: JOB_RETENTION.failedAgeSeconds },
  };
}
