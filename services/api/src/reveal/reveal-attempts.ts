import type { Redis } from 'ioredis';
import { redisKeys, redisScript, type RedisKeys, type RedisScript } from '@hirepass/core';

/**
 * Attempt limits of the reveal page (issue 6), on top of the 256-bit token:
 * - per client address, every GET and every POST of /reveal/:token (@fastify/rate-limit, in
 *   reveal.routes.ts);
 * - per client address, lookups of tokens that do not exist: someone guessing links gets a few,
 *   then nothing for a while, whatever the shape of their guesses;
 * - per link, POSTs without the right nonce: a scanner that keeps pressing the button locks
 *   the link for a while instead of getting unlimited tries. The manager's own press (GET,
 *   then POST with the page's nonce) never counts.
 * Counters live under the rate-limit namespace and expire by themselves.
 */
export interface RevealLimits {
  /** Requests per address per minute, counted separately for GET and POST. */
  perAddressPerMinute: number;
  /** Unknown-token lookups per address within `unknownWindowSeconds`. */
  unknownPerAddress: number;
  unknownWindowSeconds: number;
  /** Failed POSTs (missing or wrong nonce) per link before it is locked for `lockSeconds`. */
  failuresPerLink: number;
  lockSeconds: number;
}

export const REVEAL_LIMITS: RevealLimits = {
  perAddressPerMinute: 30,
  unknownPerAddress: 20,
  unknownWindowSeconds: 15 * 60,
  failuresPerLink: 10,
  lockSeconds: 15 * 60,
};

// INCR, and start the window on the first hit only (a fixed window, so steady probing cannot
// keep extending it for a legitimate user behind the same address either).
const COUNT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
`;

export type Blocked = { blocked: false } | { blocked: true; retryAfterSeconds: number };

export class RevealAttempts {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #count: RedisScript;

  constructor(
    redis: Redis,
    prefix: string,
    readonly limits: RevealLimits = REVEAL_LIMITS,
  ) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
    this.#count = redisScript(redis, 'hirepassRevealAttemptCount', 1, COUNT);
  }

  /** Has this address looked up too many unknown tokens lately? */
  async addressBlocked(address: string): Promise<Blocked> {
    return this.#check(this.#unknownKey(address), this.limits.unknownPerAddress);
  }

  async noteUnknownToken(address: string): Promise<void> {
    await this.#count(this.#unknownKey(address), String(this.limits.unknownWindowSeconds));
  }

  /** Has this link seen too many failed presses lately? */
  async linkLocked(tokenHash: string): Promise<Blocked> {
    return this.#check(this.#failedKey(tokenHash), this.limits.failuresPerLink);
  }

  async noteFailedPress(tokenHash: string): Promise<void> {
    await this.#count(this.#failedKey(tokenHash), String(this.limits.lockSeconds));
  }

  async #check(key: string, max: number): Promise<Blocked> {
    const [count, ttl] = await Promise.all([this.#redis.get(key), this.#redis.ttl(key)]);
    if (count === null || Number(count) < max) return { blocked: false };
    return { blocked: true, retryAfterSeconds: Math.max(1, ttl) };
  }

  #unknownKey(address: string): string {
    return this.#keys.rateLimit(`reveal-unknown:${address}`);
  }

  #failedKey(tokenHash: string): string {
    return this.#keys.rateLimit(`reveal-failed:${tokenHash}`);
  }
}
