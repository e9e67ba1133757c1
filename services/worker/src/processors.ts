import {
  InvalidJobError,
  applyHireEvent,
  checkJobPayload,
  runActivate,
  runCancel,
  runExpire,
  runPrepare,
  runReissue,
  runRetry,
  type ApplyHireEventJob,
  type JobName,
  type JobOutcome,
  type JobPayloads,
  type OnboardingJob,
  type OpsActionJob,
  type WorkflowPorts,
} from '@hirepass/core';

/**
 * Job name → core workflow function: the whole of the worker's business logic is in core;
 * this table is thin on purpose. Names come from the shared catalog (jobs/job-catalog.ts).
 */
const ONBOARDING: { [N in Exclude<JobName, 'apply-hire-event'>]: (ports: WorkflowPorts, data: JobPayloads[N]) => Promise<JobOutcome> } = {
  prepare: (p, d) => runPrepare(p, d),
  activate: (p, d) => runActivate(p, d),
  cancel: (p, d) => runCancel(p, d),
  expire: (p, d) => runExpire(p, d),
  retry: (p, d: OpsActionJob) => runRetry(p, d),
  reissue: (p, d: OpsActionJob) => runReissue(p, d),
};

export function isOnboardingJobName(name: string): name is keyof typeof ONBOARDING {
  return Object.hasOwn(ONBOARDING, name);
}

/** Payloads are checked first: poison fails its one job with InvalidJobError (never retried). */
export async function processOnboardingJob(ports: WorkflowPorts, name: string, data: OnboardingJob): Promise<JobOutcome> {
  const checked = checkJobPayload(name, data);
  if (!isOnboardingJobName(checked)) throw new InvalidJobError(name, 'not an onboarding job');
  const fn = ONBOARDING[checked] as (ports: WorkflowPorts, data: OnboardingJob) => Promise<JobOutcome>;
  return fn(ports, data);
}

export async function processEventJob(ports: WorkflowPorts, name: string, data: ApplyHireEventJob): Promise<JobOutcome> {
  if (checkJobPayload(name, data) !== 'apply-hire-event') throw new InvalidJobError(name, 'not a hire-event job');
  return applyHireEvent(ports, data);
}
