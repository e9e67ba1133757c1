import type { Queue } from 'bullmq';
import type { JobOutcome, WorkflowLog } from '@hirepass/core';
import { jobOptions } from './job-options';

/**
 * Carries out what a workflow function asked for next. Adds are idempotent (an existing job
 * id is ignored by BullMQ); `replace` first removes a finished job that would block the id.
 */
export async function applyFollowUps(onboarding: Queue, outcome: JobOutcome, log: WorkflowLog): Promise<void> {
  for (const id of outcome.removeJobIds) {
    const job = await onboarding.getJob(id);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'delayed' || state === 'waiting' || state === 'prioritized') {
      await job.remove().catch((err: unknown) => log.warn({ jobIdRemoved: id, err: String(err) }, 'could not remove a job that is now stale'));
    }
  }
  for (const f of outcome.followUps) {
    if (f.replace) {
      const existing = await onboarding.getJob(f.jobId);
      const state = existing ? await existing.getState() : null;
      if (existing && (state === 'completed' || state === 'failed' || state === 'delayed' || state === 'waiting' || state === 'prioritized')) await existing.remove();
    }
    await onboarding.add(f.name, f.data, jobOptions(f.jobId, f.delayMs, f.name));
    log.debug({ followUp: f.name, followUpJobId: f.jobId, delayMs: f.delayMs }, 'follow-up job added');
  }
}
