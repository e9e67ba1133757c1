import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from './keys';

export interface EventReceipt {
  eventId: string;
  employeeId: string;
  type: string;
  seq: number;
  receivedAt: string;
}

/** How long a webhook-id is remembered: HR systems redeliver for days at most. */
export const RECEIPT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The memory of accepted webhook-ids. SET NX makes "first" a Redis decision, so of several
 * concurrent copies of one event exactly one is told 202.
 */
export class EventReceipts {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
  }

  async nextSeq(): Promise<number> {
    return this.#redis.incr(this.#keys.eventSeq);
  }

  async get(eventId: string): Promise<EventReceipt | null> {
    const raw = await this.#redis.get(this.#keys.eventReceipt(eventId));
    return raw ? (JSON.parse(raw) as EventReceipt) : null;
  }

  /** Records the receipt if the id is new. Returns the receipt that stands and whether it is ours. */
  async record(receipt: EventReceipt): Promise<{ first: boolean; receipt: EventReceipt }> {
    const key = this.#keys.eventReceipt(receipt.eventId);
    const set = await this.#redis.set(key, JSON.stringify(receipt), 'EX', RECEIPT_TTL_SECONDS, 'NX');
    if (set === 'OK') return { first: true, receipt };
    const existing = await this.get(receipt.eventId);
    return { first: false, receipt: existing ?? receipt };
  }
}
