import { JOB_RETENTION, JOBS, RETRY_POLICY, jobId, type OpsActionJob } from '@hirepass/core';
import type { ApiContext } from '../context';

export type OpsAction = 'retry' | 'reissue';
export type OpsActionResult = 'accepted' | 'not_found' | 'cancelled';

/**
 * Ops asks, the worker does (ingest contract): an audit entry for the request, then a
 * `retry` / `reissue` job on the onboarding queue. Shared by the JSON API and the dashboard.
 */
export async function requestOpsAction(ctx: ApiContext, employeeId: string, action: OpsAction): Promise<OpsActionResult> {
  const record = await ctx.onboardings.get(employeeId);
  if (!record) return 'not_found';
  if (record.status === 'cancelled') return 'cancelled';
  const requestedAt = ctx.clock.now().toISOString();
  await ctx.audit.append({
    at: requestedAt,
    employeeId,
    onboardingId: record.onboardingId,
    actor: 'ops',
    action: `ops.${action}.requested`,
    outcome: 'info',
    detail: action === 'retry' ? 're-run the failed step' : 'new TAP, new link, new notice',
  });
  const data: OpsActionJob = {
    employeeId,
    onboardingId: record.onboardingId,
    generation: record.generation,
    actor: 'ops',
    requestedAt,
  };
  const job = action === 'retry' ? JOBS.retry : JOBS.reissue;
  await ctx.queues.onboarding.add(job.name, data, {
    jobId: jobId(action, record.onboardingId, Date.now()),
    attempts: RETRY_POLICY.attempts,
    backoff: { type: RETRY_POLICY.backoffType },
    removeOnComplete: { age: JOB_RETENTION.completedAgeSeconds, count: JOB_RETENTION.completedCount },
    removeOnFail: { age: JOB_RETENTION.failedAgeSeconds },
  });
  return 'accepted';
}
