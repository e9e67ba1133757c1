import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, redisScript, type RedisScript } from '@hirepass/core';

/**
 * One job at a time per employee, across every worker process (issue 5): an ops retry or
 * re-issue, a BullMQ retry of an activate job, a hire event and a stalled job taken over by
 * another worker may all be due for the same onboarding at once; only the lease holder runs,
 * the others re-delay themselves without spending an attempt. SET NX PX with a random token,
 * renewed while the job runs, released by compare-and-delete, so a lease that expired and was
 * taken by someone else is never released or renewed by its old holder.
 *
 * A worker that is SIGKILLed holds its lease at most `ttlMs` longer; BullMQ's stalled-job
 * check hands its job to another worker after its lock expires (a similar bound), and that
 * worker then finds the lease free. The record's CAS and generation checks stay the second
 * line should a lease ever be lost (a Redis restart without persistence).
 */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export const DEFAULT_LEASE_TTL_MS = 30_000;

export interface HeldLease {
  /** False once a renewal found the lease gone or taken (logged by the caller's onLost). */
  readonly held: boolean;
  release(): Promise<void>;
}

export class EmployeeLeases {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #renew: RedisScript;
  readonly #release: RedisScript;

  constructor(redis: Redis, prefix: string, ttlMs = DEFAULT_LEASE_TTL_MS) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlMs = ttlMs;
    this.#renew = redisScript(redis, 'hirepassLeaseRenew', 1, RENEW);
    this.#release = redisScript(redis, 'hirepassLeaseRelease', 1, RELEASE);
  }

  /** The lease, or null when another job holds it. */
  async acquire(employeeId: string, onLost: () => void): Promise<HeldLease | null> {
    const key = redisKeys(this.#prefix).employeeLease(employeeId);
    const token = randomUUID();
    const ok = await this.#redis.set(key, token, 'PX', this.#ttlMs, 'NX');
    if (ok !== 'OK') return null;
    let held = true;
    const timer = setInterval(() => {
      this.#renew(key, token, String(this.#ttlMs)).then(
        (n) => {
          if (n === 1 || !held) return;
          held = false;
          onLost();
        },
        // A failed renewal is retried on the next tick; the TTL covers two more of them.
        () => undefined,
      );
    }, Math.max(100, Math.floor(this.#ttlMs / 3)));
    timer.unref();
    const release = this.#release;
    return {
      get held() {
        return held;
      },
      async release() {
        clearInterval(timer);
        held = false;
        await release(key, token).catch(() => undefined);
      },
    };
  }
}

/** How long a job that found the lease taken waits before it tries again: short, with jitter. */
export function leaseRetryDelayMs(random: () => number = Math.random): number {
  return 250 + Math.round(random() * 750);
}
