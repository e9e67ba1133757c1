import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import {
  decideFailure,
  isIssuanceHold,
  isWorkflowError,
  StepError,
  type CurrentOptions,
  type IssuanceHolds,
  type OnboardingRef,
  type WorkflowLog,
  type WorkflowPorts,
} from '@hirepass/core';
import type { ThrottleBackoff } from './throttle-backoff';

/**
 * The one place where a failed job's fate is carried out with BullMQ; the decision itself is
 * core's (workflow/failure-policy.ts). Returns normally only for a stale job (it completes).
 * - throttled: the queue pauses for Retry-After (or a growing pause without one) and the job
 *              goes back to wait (no attempt spent);
 * - waiting:   the job is re-delayed (no attempt spent); one held by the issuance guard is
 *              also noted in `holds`, so a release wakes it at once (held-wakeup.ts);
 * - transient: rethrown, so BullMQ's attempts and capped backoff apply; once they are spent,
 *              core decides a delay instead (needs_attention, re-checked slowly): a Graph
 *              outage never fails an onboarding;
 * - permanent: UnrecoverableError, the job fails now; the record already says why.
 */
export async function handleJobFailure(args: {
  err: unknown;
  job: Job;
  token: string | undefined;
  queue: Queue;
  ports: WorkflowPorts;
  ref: OnboardingRef | null;
  refOptions?: CurrentOptions;
  throttle: ThrottleBackoff;
  log: WorkflowLog;
  holds?: IssuanceHolds;
}): Promise<void> {
  const { err, job, token, queue, ports, ref, log } = args;
  const decision = await decideFailure(ports, ref, err, { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 }, args.refOptions);
  const step = err instanceof StepError ? err.step : undefined;
  // A field of its own, so logs can be searched by the id Microsoft support asks for.
  const graphRequestId = isWorkflowError(err) ? err.graph?.requestId : undefined;
  switch (decision.kind) {
    case 'stale':
      log.info({ step, graphRequestId, reason: decision.reason }, 'stale job: nothing to do');
      return;
    case 'rate-limit': {
      const delayMs = decision.retryAfterKnown ? decision.delayMs : args.throttle.next();
      log.warn({ step, graphRequestId, delayMs, retryAfterKnown: decision.retryAfterKnown, reason: decision.reason }, 'Graph throttled: pausing the queue');
      await queue.rateLimit(delayMs);
      throw Worker.RateLimitError();
    }
    case 'delay':
      log.info({ step, graphRequestId, delayMs: decision.delayMs, condition: decision.condition, reason: decision.reason }, 'waiting on a condition: job re-delayed');
      await job.moveToDelayed(Date.now() + decision.delayMs, token);
      // After the move, so that a wake-up never finds the job still active.
      if (args.holds && job.id && isIssuanceHold(decision.condition)) {
        await args.holds.add(job.id).catch((e: unknown) => log.warn({ err: String(e) }, 'could not note a held job: it wakes on its own re-check'));
      }
      throw new DelayedError();
    case 'retry':
      log.warn({ step, graphRequestId, reason: decision.reason }, 'transient failure: BullMQ retries with backoff');
      throw new Error(decision.reason);
    case 'fail':
      log.error({ step, graphRequestId, reason: decision.reason }, 'permanent failure: job stops');
      throw new UnrecoverableError(decision.reason);
  }
}
