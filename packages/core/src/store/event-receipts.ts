import type { Redis } from 'ioredis';
import { auditWriteArgs, auditWritesLua, type AuditWrites } from './audit-trail';
import { redisKeys, type RedisKeys } from './keys';
import { redisScript, type RedisScript } from './redis-script';

export interface EventReceipt {
  eventId: string;
  employeeId: string;
  type: string;
  seq: number;
  receivedAt: string;
}

/** How long a webhook-id is remembered: HR systems redeliver for days at most. */
export const RECEIPT_TTL_SECONDS = 7 * 24 * 3600;

/** A webhook's arrival: the receipt of an earlier copy, or the sequence number of a new event. */
export type Arrival = { known: EventReceipt } | { seq: number };

/**
 * What recording a receipt after its job did: `ours` (this copy is the first; its audit entry
 * was written too, unless `auditFailed`), `earlier` (another copy's receipt stands), or
 * `no-job` (the job is not there, so nothing was recorded).
 */
export type RecordOutcome =
  | { stored: 'ours'; auditFailed: boolean }
  | { stored: 'earlier'; receipt: EventReceipt }
  | { stored: 'no-job' };

// KEYS: receipt, sequence. The receipt of an earlier copy, else the next sequence number.
const ARRIVE = `
local known = redis.call('GET', KEYS[1])
if known then return {0, known} end
return {1, redis.call('INCR', KEYS[2])}
`;

// KEYS: receipt, job, audit per onboarding, audit global.
// ARGV: receipt JSON, TTL (s), per-onboarding MAXLEN, stream expiry (ms), global MINID, fields…
// The receipt only if its job exists, so that no receipt ever stands without its job; the
// audit entry (AuditTrail's writes) only if the receipt is ours, and an audit failure, caught
// by pcall, does not undo the receipt.
const RECORD = `
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return redis.call('GET', KEYS[1]) end
if not pcall(function()${auditWritesLua(3, 3)}end) then return 2 end
return 1
`;

/**
 * The memory of accepted webhook-ids. SET NX makes "first" a Redis decision, so of several
 * concurrent copies of one event exactly one is told 202.
 */
export class EventReceipts {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #arrive: RedisScript<[number, string | number]>;
  readonly #record: RedisScript;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
    this.#arrive = redisScript(redis, 'hirepassReceiptArrive', 2, ARRIVE);
    this.#record = redisScript(redis, 'hirepassReceiptRecord', 4, RECORD);
  }

  async nextSeq(): Promise<number> {
    return this.#redis.incr(this.#keys.eventSeq);
  }

  async get(eventId: string): Promise<EventReceipt | null> {
    const raw = await this.#redis.get(this.#keys.eventReceipt(eventId));
    return raw ? (JSON.parse(raw) as EventReceipt) : null;
  }

  /** `get`, then `nextSeq` if there is no receipt, in one round trip. */
  async arrive(eventId: string): Promise<Arrival> {
    const [isNew, value] = await this.#arrive(this.#keys.eventReceipt(eventId), this.#keys.eventSeq);
    return isNew === 1 ? { seq: Number(value) } : { known: JSON.parse(String(value)) as EventReceipt };
  }

  /** Records the receipt if the id is new. Returns the receipt that stands and whether it is ours. */
  async record(receipt: EventReceipt): Promise<{ first: boolean; receipt: EventReceipt }> {
    const key = this.#keys.eventReceipt(receipt.eventId);
    const set = await this.#redis.set(key, JSON.stringify(receipt), 'EX', RECEIPT_TTL_SECONDS, 'NX');
    if (set === 'OK') return { first: true, receipt };
    const existing = await this.get(receipt.eventId);
    return { first: false, receipt: existing ?? receipt };
  }

  /**
   * One script: records the receipt if `jobKey` (the event's job) exists and the id is new, and
   * then makes `audit`'s writes (AuditTrail's `appendWrites` of the acceptance entry). Sent at
   * once, so called right after the job's add on the same connection it runs right after it,
   * and both take one round trip.
   */
  async recordAfterJob(receipt: EventReceipt, jobKey: string, audit: AuditWrites): Promise<RecordOutcome> {
    const reply = await this.#record(
      this.#keys.eventReceipt(receipt.eventId),
      jobKey,
      audit.perOnboardingKey,
      audit.globalKey,
      JSON.stringify(receipt),
      String(RECEIPT_TTL_SECONDS),
      ...auditWriteArgs(audit),
    );
    return recordOutcome(reply);
  }
}

function recordOutcome(reply: unknown): RecordOutcome {
  if (reply === 1 || reply === 2) return { stored: 'ours', auditFailed: reply === 2 };
  if (reply === -1) return { stored: 'no-job' };
  if (typeof reply === 'string') return { stored: 'earlier', receipt: JSON.parse(reply) as EventReceipt };
  throw new Error(`unexpected reply from the receipt script: ${typeof reply}`);
}
