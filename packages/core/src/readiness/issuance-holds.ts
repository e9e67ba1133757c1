import type { Redis } from 'ioredis';
import { redisKeys } from '../store/keys';

/**
 * The jobs the issuance guard holds (ops paused issuance, the brake tripped, the tenant not
 * ready), so that they run the moment issuance opens again. On its own a held job only
 * re-checks on its waiting backoff, which grows to every 5 minutes: after a resume, a new hire
 * at the desk would wait that long for a pass that could be issued now.
 *
 * The ids are opaque here (the worker's job ids), and one set serves every worker process.
 * Best effort by design: an id that is lost, or woken while issuance closes again, costs at
 * most one early or one late re-check, never a pass.
 */
export class IssuanceHolds {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = redisKeys(prefix).issuanceHeld;
  }

  async add(id: string): Promise<void> {
    await this.#redis.sadd(this.#key, id);
  }

  size(): Promise<number> {
    return this.#redis.scard(this.#key);
  }

  /** Removes and returns up to `max` ids: each is taken by one process only. */
  take(max: number): Promise<string[]> {
    return this.#redis.spop(this.#key, max);
  }
}
