import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import {
  JOB_RETENTION,
  JOBS,
  RETRY_POLICY,
  jobId,
  type ApplyHireEventJob,
  type EventReceipt,
  type HireEvent,
} from '@hirepass/core';
import type { ApiContext } from '../context';
import { redisDownProblem } from '../problem';
import { redisIsReady, withTimeout } from '../plugins/redis';

export interface IngestAnswer {
  status: 202 | 200;
  body: { eventId: string; employeeId: string; status: 'accepted' | 'duplicate' };
}

// A queue add on a connection that never came up waits for it; the HR system is better
// served by a 503 and its own retry.
const QUEUE_ADD_TIMEOUT_MS = 5_000;

export function eventJobId(eventId: string): string {
  return jobId('evt', createHash('sha256').update(eventId, 'utf8').digest('hex').slice(0, 32));
}

/**
 * The ingest contract between API and worker: sequence number, then the job (idempotent by
 * its id), then the receipt (SET NX decides which copy of the event is "first"), then the
 * audit entry. The job goes in before the receipt so that a receipt never exists without
 * its job: a crash in between leaves a job and no receipt, and the HR system's retry finds
 * the job id taken and records the receipt.
 */
export async function ingestHireEvent(ctx: ApiContext, eventId: string, event: HireEvent, log: FastifyBaseLogger): Promise<IngestAnswer> {
  if (!redisIsReady(ctx.redis)) throw redisDownProblem();
  const employeeId = event.data.employeeId;
  try {
    // Fast path for a retry of an event already recorded: its job was added before its
    // receipt, so there is nothing left to do but repeat the answer.
    const known = await ctx.receipts.get(eventId);
    if (known) return await answerDuplicate(ctx, known, log);

    const receivedAt = ctx.clock.now().toISOString();
    const seq = await ctx.receipts.nextSeq();
    await withTimeout(
      ctx.queues.events.add(JOBS.applyHireEvent.name, { eventId, seq, receivedAt, event } satisfies ApplyHireEventJob, {
        jobId: eventJobId(eventId),
        attempts: RETRY_POLICY.attempts,
        backoff: { type: RETRY_POLICY.backoffType },
        removeOnComplete: { age: JOB_RETENTION.completedAgeSeconds, count: JOB_RETENTION.completedCount },
        removeOnFail: { age: JOB_RETENTION.failedAgeSeconds },
      }),
      QUEUE_ADD_TIMEOUT_MS,
      'queue add',
    );
    const { first, receipt } = await ctx.receipts.record({ eventId, employeeId, type: event.type, seq, receivedAt });
    if (!first) return await answerDuplicate(ctx, receipt, log);
    await audit(ctx, { eventId, employeeId, action: 'event.accepted', detail: `${event.type} (seq ${seq})` }, log);
    return { status: 202, body: { eventId, employeeId, status: 'accepted' } };
  } catch (err) {
    if (!redisIsReady(ctx.redis)) {
      log.warn({ err: { message: (err as Error).message } }, 'webhook not stored: Redis unavailable');
      throw redisDownProblem();
    }
    throw err;
  }
}

async function answerDuplicate(ctx: ApiContext, receipt: EventReceipt, log: FastifyBaseLogger): Promise<IngestAnswer> {
  await audit(ctx, { eventId: receipt.eventId, employeeId: receipt.employeeId, action: 'event.duplicate', detail: 'webhook-id already accepted' }, log);
  return { status: 200, body: { eventId: receipt.eventId, employeeId: receipt.employeeId, status: 'duplicate' } };
}

/** The event is stored once the receipt is: an audit write failing after that must not turn it into an error. */
async function audit(
  ctx: ApiContext,
  e: { eventId: string; employeeId: string; action: string; detail: string },
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    await ctx.audit.append({ at: ctx.clock.now().toISOString(), actor: 'hr', outcome: 'info', ...e });
  } catch (err) {
    log.error({ err, eventId: e.eventId }, 'audit append failed after the event was stored');
  }
}
