import type { StepName } from '../domain/onboarding';
import { jobId, type JobName, type JobPayloads, type OnboardingJob } from '../jobs/job-catalog';

/**
 * What a workflow function asks the job runner to do next. Core decides which jobs, when and
 * under which ids; the worker turns these into BullMQ calls (core does not import BullMQ).
 */
export type FollowUp = {
  [N in JobName]: {
    name: N;
    data: JobPayloads[N];
    jobId: string;
    /** Milliseconds from now; 0 runs at once. */
    delayMs: number;
    /** Remove a finished (completed or failed) job with this id first, so the add is not ignored. */
    replace?: boolean;
  };
}[JobName];

export interface JobOutcome {
  followUps: FollowUp[];
  /** Delayed or waiting jobs that no longer make sense (a moved activation); removed if not running. */
  removeJobIds: string[];
  /** One line for the job log. */
  note?: string;
}

export const nothing = (note?: string): JobOutcome => ({ followUps: [], removeJobIds: [], ...(note ? { note } : {}) });

export function prepareJob(ref: OnboardingJob, seq: number | string): FollowUp {
  return { name: 'prepare', data: pick(ref), jobId: jobId('prepare', ref.onboardingId, ref.generation, seq), delayMs: 0 };
}

export function activateJobId(ref: OnboardingJob): string {
  return jobId('activate', ref.onboardingId, ref.generation);
}

export function activateJob(ref: OnboardingJob, at: Date, now: Date, replace = false): FollowUp {
  return {
    name: 'activate',
    data: pick(ref),
    jobId: activateJobId(ref),
    delayMs: Math.max(0, at.getTime() - now.getTime()),
    ...(replace ? { replace } : {}),
  };
}

export function expireJobId(ref: OnboardingJob, tapId: string): string {
  return jobId('expire', ref.onboardingId, ref.generation, tapId);
}

export function expireJob(ref: OnboardingJob, tapId: string, at: Date, now: Date): FollowUp {
  return { name: 'expire', data: pick(ref), jobId: expireJobId(ref, tapId), delayMs: Math.max(0, at.getTime() - now.getTime()) };
}

export function cancelJob(ref: OnboardingJob, eventId: string, reason?: string): FollowUp {
  return {
    name: 'cancel',
    data: { ...pick(ref), eventId, ...(reason ? { reason } : {}) },
    jobId: jobId('cancel', ref.onboardingId, ref.generation),
    delayMs: 0,
  };
}

function pick(ref: OnboardingJob): OnboardingJob {
  return { employeeId: ref.employeeId, onboardingId: ref.onboardingId, generation: ref.generation };
}

/** Tags a failure with the step it happened in, so the failure policy can record it there. */
export class StepError extends Error {
  constructor(
    readonly step: StepName,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'StepError';
  }
}

export async function inStep<T>(step: StepName, fn: () => Promise<T>, log?: { debug(obj: object, msg?: string): void }): Promise<T> {
  try {
    const out = await fn();
    log?.debug({ step }, 'step checked');
    return out;
  } catch (err) {
    if (err instanceof StepError || (err as Error)?.name === 'StaleJobError') throw err;
    throw new StepError(step, err);
  }
}
