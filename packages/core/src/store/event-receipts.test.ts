import { afterAll, describe, expect, it } from 'vitest';
import { redisForTest } from '../testing/redis-test-prefix';
import { AuditTrail } from './audit-trail';
import { EventReceipts, RECEIPT_TTL_SECONDS, type EventReceipt } from './event-receipts';
import { redisKeys } from './keys';

const { redis, prefix, cleanup } = redisForTest();
afterAll(cleanup);

const receipts = new EventReceipts(redis, prefix);
const audit = new AuditTrail(redis, prefix);
const keys = redisKeys(prefix);

function receiptFor(eventId: string, employeeId: string, seq: number): EventReceipt {
  return { eventId, employeeId, type: 'hire.created', seq, receivedAt: '2026-11-28T10:00:00.000Z' };
}

function accepted(r: EventReceipt) {
  return audit.appendWrites({ at: r.receivedAt, actor: 'hr', outcome: 'info', eventId: r.eventId, employeeId: r.employeeId, action: 'event.accepted', detail: `seq ${r.seq}` });
}

/** Stands in for the event's job hash (BullMQ's add writes it first). */
async function jobExists(name: string): Promise<string> {
  const key = `${prefix}:jobs-of-this-test:${name}`;
  await redis.hset(key, 'name', 'apply-hire-event');
  return key;
}

describe('EventReceipts.arrive', () => {
  it('gives a new event the next sequence number, and a known one its receipt, in one script', async () => {
    const first = await receipts.arrive('evt-arrive-1');
    const second = await receipts.arrive('evt-arrive-2');
    expect('seq' in first && 'seq' in second && second.seq === first.seq + 1).toBe(true);
    const r = receiptFor('evt-arrive-1', 'E-arrive', 'seq' in first ? first.seq : 0);
    await receipts.record(r);
    expect(await receipts.arrive('evt-arrive-1')).toEqual({ known: r });
  });
});

describe('EventReceipts.recordAfterJob', () => {
  it('records nothing, not even the audit entry, when the job is not there', async () => {
    const r = receiptFor('evt-nojob', 'E-nojob', 1);
    expect(await receipts.recordAfterJob(r, `${prefix}:jobs-of-this-test:absent`, accepted(r))).toEqual({ stored: 'no-job' });
    expect(await receipts.get('evt-nojob')).toBeNull();
    expect(await audit.forEmployee('E-nojob')).toEqual([]);
  });

  it('records the receipt (with its TTL) and the audit entry in both streams when the job exists', async () => {
    const r = receiptFor('evt-ours', 'E-ours', 7);
    expect(await receipts.recordAfterJob(r, await jobExists('ours'), accepted(r))).toEqual({ stored: 'ours', auditFailed: false });
    expect(await receipts.get('evt-ours')).toEqual(r);
    const ttl = await redis.ttl(keys.eventReceipt('evt-ours'));
    expect(ttl).toBeGreaterThan(RECEIPT_TTL_SECONDS - 60);
    const entries = await audit.forEmployee('E-ours');
    expect(entries).toEqual([expect.objectContaining({ action: 'event.accepted', actor: 'hr', eventId: 'evt-ours', detail: 'seq 7', employeeId: 'E-ours' })]);
    expect((await audit.recent(50)).some((e) => e.eventId === 'evt-ours')).toBe(true);
    expect(await redis.pttl(keys.auditStream('E-ours'))).toBeGreaterThan(0);
  });

  it('lets exactly one of concurrent copies be first; the others get its receipt and write no audit entry', async () => {
    const job = await jobExists('race');
    const copies = Array.from({ length: 10 }, (_, i) => receiptFor('evt-race', 'E-race', 100 + i));
    const outcomes = await Promise.all(copies.map((r) => receipts.recordAfterJob(r, job, accepted(r))));
    const ours = outcomes.filter((o) => o.stored === 'ours');
    expect(ours).toHaveLength(1);
    const stored = await receipts.get('evt-race');
    for (const o of outcomes) if (o.stored === 'earlier') expect(o.receipt).toEqual(stored);
    expect(outcomes.filter((o) => o.stored === 'earlier')).toHaveLength(9);
    expect(await audit.forEmployee('E-race')).toHaveLength(1);
  });

  it('keeps the receipt when the audit write fails, and says so', async () => {
    const r = receiptFor('evt-auditfail', 'E-auditfail', 3);
    // A key of the wrong type makes the XADD fail inside the script.
    await redis.set(keys.auditStream('E-auditfail'), 'not a stream');
    expect(await receipts.recordAfterJob(r, await jobExists('auditfail'), accepted(r))).toEqual({ stored: 'ours', auditFailed: true });
    expect(await receipts.get('evt-auditfail')).toEqual(r);
  });
});
