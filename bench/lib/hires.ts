import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import {
  AuditTrail,
  EventReceipts,
  JOB_RETENTION,
  JOBS,
  RETRY_POLICY,
  jobId,
  type ApplyHireEventJob,
  type HireEvent,
} from '@hirepass/core';

/** The simulator's bench tenant and the hire events share these names (sim-main.ts). */
export const benchUpn = (i: number) => `bench-${i}@contoso.com`;
export const benchEmployeeId = (i: number) => `B${i}`;
/** A GUID per hire, readable in a listing: 00000000-0000-4000-8000-<index in hex>. */
export const benchDeviceId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** UTC start date and HH:MM of an instant (whole minutes: the HR contract has no seconds). */
export function utcDateAndTime(at: Date): { startDate: string; activationTime: string } {
  const iso = at.toISOString();
  return { startDate: iso.slice(0, 10), activationTime: iso.slice(11, 16) };
}

/** A hire.created event for bench hire `i`, activating at `at` (a past instant activates at once). */
export function hireEvent(i: number, at: Date, now = new Date()): HireEvent {
  const { activationTime } = utcDateAndTime(at);
  // A past instant today: the start date stays today (the API refuses past start dates).
  const startDate = at.getTime() < now.getTime() ? now.toISOString().slice(0, 10) : utcDateAndTime(at).startDate;
  return {
    type: 'hire.created',
    timestamp: now.toISOString(),
    data: {
      employeeId: benchEmployeeId(i),
      userPrincipalName: benchUpn(i),
      startDate,
      timeZone: 'UTC',
      activationTime: at.getTime() < now.getTime() ? '00:00' : activationTime,
      deviceId: benchDeviceId(i),
    },
  };
}

/**
 * Stores events exactly as the API's ingest does (services/api/src/webhook/ingest.ts): sequence
 * number, the job under its idempotent id, the receipt, the audit entry. Used where the
 * benchmark is about the worker, so the HTTP front does not share the machine's cores.
 */
export async function enqueueLikeTheApi(
  redis: Redis,
  prefix: string,
  events: Queue,
  hires: Array<{ i: number; event: HireEvent }>,
  inFlight = 200,
): Promise<void> {
  const receipts = new EventReceipts(redis, prefix);
  const audit = new AuditTrail(redis, prefix);
  let next = 0;
  const one = async ({ i, event }: { i: number; event: HireEvent }) => {
    const eventId = `msg_bench_${i}_${Date.now()}`;
    const receivedAt = new Date().toISOString();
    const seq = await receipts.nextSeq();
    await events.add(JOBS.applyHireEvent.name, { eventId, seq, receivedAt, event } satisfies ApplyHireEventJob, {
      jobId: jobId('evt', createHash('sha256').update(eventId, 'utf8').digest('hex').slice(0, 32)),
      attempts: RETRY_POLICY.attempts,
      backoff: { type: RETRY_POLICY.backoffType },
      removeOnComplete: { age: JOB_RETENTION.completedAgeSeconds, count: JOB_RETENTION.completedCount },
      removeOnFail: { age: JOB_RETENTION.failedAgeSeconds },
    });
    await receipts.record({ eventId, employeeId: event.data.employeeId, type: event.type, seq, receivedAt });
    await audit.append({ at: receivedAt, actor: 'hr', outcome: 'info', eventId, employeeId: event.data.employeeId, action: 'event.accepted', detail: `${event.type} (seq ${seq})` });
  };
  await Promise.all(
    Array.from({ length: Math.min(inFlight, hires.length) }, async () => {
      while (next < hires.length) await one(hires[next++]!);
    }),
  );
}
