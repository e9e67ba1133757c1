import { createHash } from 'node:crypto';
import { Job } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import {
  JOB_RETENTION,
  JOBS,
  RETRY_POLICY,
  jobId,
  type ApplyHireEventJob,
  type EventReceipt,
  type HireEvent,
  type RecordOutcome,
} from '@hirepass/core';
import type { ApiContext } from '../context';
import { redisDownProblem } from '../problem';
import { redisIsReady, withTimeout } from '../plugins/redis';

export interface IngestAnswer {
  status: 202 | 200;
  body: { eventId: string; employeeId: string; status: 'accepted' | 'duplicate' };
}

// A store on a connection that never came up waits for it; the HR system is better served by
// a 503 and its own retry.
const STORE_TIMEOUT_MS = 5_000;

const EVENT_JOB_OPTIONS = {
  attempts: RETRY_POLICY.attempts,
  backoff: { type: RETRY_POLICY.backoffType },
  removeOnComplete: { age: JOB_RETENTION.completedAgeSeconds, count: JOB_RETENTION.completedCount },
  removeOnFail: { age: JOB_RETENTION.failedAgeSeconds },
};

export function eventJobId(eventId: string): string {
  return jobId('evt', createHash('sha256').update(eventId, 'utf8').digest('hex').slice(0, 32));
}

/**
 * The ingest contract between API and worker, in two round trips to Redis:
 *
 * 1. one script: the receipt of an earlier copy (a retry: repeat its answer), else the next
 *    sequence number;
 * 2. the job (BullMQ's add script, idempotent by job id), and right behind it on the same
 *    connection, without waiting for its answer, one script that records the receipt (SET NX
 *    decides which copy is "first") only if the job exists, and the audit entry of acceptance
 *    if the receipt is ours.
 *
 * So a receipt never stands without its job: if the add failed, nothing is recorded and the HR
 * system's retry finds the id free; if the receipt failed, the retry finds the job id taken
 * and records it. A 2xx goes out only once both answered.
 */
export async function ingestHireEvent(ctx: ApiContext, eventId: string, event: HireEvent, log: FastifyBaseLogger): Promise<IngestAnswer> {
  if (!redisIsReady(ctx.redis)) throw redisDownProblem();
  const employeeId = event.data.employeeId;
  try {
    const arrival = await ctx.receipts.arrive(eventId);
    if ('known' in arrival) return await answerDuplicate(ctx, arrival.known, log);

    const receivedAt = ctx.clock.now().toISOString();
    const receipt: EventReceipt = { eventId, employeeId, type: event.type, seq: arrival.seq, receivedAt };
    const accepted = ctx.audit.appendWrites({
      at: receivedAt,
      actor: 'hr',
      outcome: 'info',
      eventId,
      employeeId,
      action: 'event.accepted',
      detail: `${event.type} (seq ${arrival.seq})`,
    });
    const queue = ctx.queues.events;
    const id = eventJobId(eventId);
    const job = new Job(queue, JOBS.applyHireEvent.name, { eventId, seq: arrival.seq, receivedAt, event } satisfies ApplyHireEventJob, { ...queue.defaultJobOptions, ...EVENT_JOB_OPTIONS, jobId: id }, id);
    const client = await withTimeout(queue.getBackend().client, STORE_TIMEOUT_MS, 'queue connection');
    // Job#addJob sends BullMQ's add script before it returns, so the receipt script sent next
    // runs after it (one connection, one order). Were it ever otherwise, the receipt script
    // finds no job and records nothing, and is sent again once the add has answered. The
    // socket is corked meanwhile so that both leave in one write.
    const socket = ctx.redis.stream;
    socket.cork();
    let added: Promise<string>;
    let recorded: Promise<RecordOutcome>;
    try {
      added = job.addJob(client);
      recorded = ctx.receipts.recordAfterJob(receipt, queue.toKey(id), accepted);
    } finally {
      socket.uncork();
    }
    let [, outcome] = await withTimeout(Promise.all([added, recorded]), STORE_TIMEOUT_MS, 'event store');
    if (outcome.stored === 'no-job') outcome = await withTimeout(ctx.receipts.recordAfterJob(receipt, queue.toKey(id), accepted), STORE_TIMEOUT_MS, 'receipt');
    if (outcome.stored === 'no-job') throw new Error(`the job of event ${eventId} is missing after its add: no receipt recorded`);
    if (outcome.stored === 'earlier') return await answerDuplicate(ctx, outcome.receipt, log);
    if (outcome.auditFailed) log.error({ eventId }, 'audit append failed after the event was stored');
    return { status: 202, body: { eventId, employeeId, status: 'accepted' } };
  } catch (err) {
    if (!redisIsReady(ctx.redis)) {
      log.warn({ err: { message: (err as Error).message } }, 'webhook not stored: Redis unavailable');
      throw redisDownProblem();
    }
    throw err;
  }
}

/**
 * The answer to a copy whose body is refused now although its webhook-id was accepted before.
 * Validation depends on the day (a start date of today is in the past after local midnight),
 * so HR's retry of an accepted event can fail it; a 400 would then say that nothing was
 * stored, which is false (spec/hr-webhook.md: a retry of an accepted id is a 200). Asked only
 * after validation failed, so valid webhooks pay no extra round trip. `null` when the id is
 * unknown, or when Redis cannot tell: a refused body needs no Redis for its 400, and the HR
 * system's next retry asks again.
 */
export async function answerIfAlreadyAccepted(ctx: ApiContext, eventId: string, log: FastifyBaseLogger): Promise<IngestAnswer | null> {
  if (!redisIsReady(ctx.redis)) return null;
  let receipt: EventReceipt | null;
  try {
    receipt = await ctx.receipts.get(eventId);
  } catch (err) {
    log.warn({ err: { message: (err as Error).message }, eventId }, 'could not tell whether a refused webhook was accepted before');
    return null;
  }
  return receipt ? answerDuplicate(ctx, receipt, log) : null;
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
