import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ThrottledError, TransientError } from '../errors';
import { redisKeys } from './keys';
import { redisScript, type RedisScript } from './redis-script';

/**
 * Outlook serves at most 4 concurrent requests per mailbox (graph.md "Notices"), and every
 * notice is sent from one mailbox (NOTICE_SENDER_UPN). A worker at WORKER_CONCURRENCY 50, or
 * several workers, would exceed that in a burst, and the 429s that follow pause the whole
 * queue. So each sendMail first takes one of `limit` slots shared by every worker process.
 *
 * A slot is a member of a sorted set scored by its lease end (Redis's own clock, so processes
 * on different machines agree); a holder that dies frees its slot when the lease ends. The
 * lease outlasts a Graph call's timeout (30 s), so a live holder never loses it.
 *
 * Within one process, senders first queue for one of `limit` local permits, handed on at once
 * when a send ends: a burst of notices due at the same instant then waits in line instead of
 * polling Redis, and only the permit holders (at most `limit`) poll, when other processes hold
 * the mailbox's slots.
 *
 * Outlook's other limit, requests per mailbox per 10 minutes, is met by what it answers: a
 * sender that gets its 429 (`ApplicationThrottled`) pauses the mailbox for the Retry-After, in
 * Redis, and until then every sender of every process is refused a slot with a mailbox-scoped
 * ThrottledError (its job waits that long; passes and other calls go on) instead of drawing a
 * 429 of its own.
 */
const ACQUIRE = `
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return -paused end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

export const MAILBOX_SLOT_LEASE_MS = 60_000;
/** How long a send waits for a slot before its job is retried instead (something is stuck). */
export const MAILBOX_SLOT_WAIT_MS = 60_000;

export interface MailboxSlot {
  release(): Promise<void>;
}

// Never shortens a pause another sender set.
const PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

/** What the notice step needs: a slot of the sender mailbox, held around one sendMail. */
export interface MailboxSlotsPort {
  acquire(mailbox: string): Promise<MailboxSlot>;
  /** Outlook throttled the mailbox: no sender takes a slot of it for `ms`. */
  pause(mailbox: string, ms: number): Promise<void>;
}

export class MailboxSlots implements MailboxSlotsPort {
  readonly #redis: Redis;
  readonly #keys: ReturnType<typeof redisKeys>;
  readonly #acquire: RedisScript<number>;
  readonly #pause: RedisScript<number>;
  readonly #local = new Map<string, LocalPermits>();

  constructor(
    redis: Redis,
    prefix: string,
    readonly limit: number,
    private readonly waitMs = MAILBOX_SLOT_WAIT_MS,
    private readonly leaseMs = MAILBOX_SLOT_LEASE_MS,
  ) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
    // KEYS: the mailbox's slots, its pause. ARGV: limit, lease (ms), holder.
    this.#acquire = redisScript(redis, 'hirepassMailboxSlotAcquire', 2, ACQUIRE);
    // KEYS: the mailbox's pause. ARGV: its length (ms).
    this.#pause = redisScript(redis, 'hirepassMailboxPause', 1, PAUSE);
  }

  async pause(mailbox: string, ms: number): Promise<void> {
    await this.#pause(this.#keys.mailboxPause(mailbox), String(Math.max(1, Math.ceil(ms))));
  }

  async acquire(mailbox: string): Promise<MailboxSlot> {
    const name = mailbox.toLowerCase();
    let local = this.#local.get(name);
    if (!local) this.#local.set(name, (local = new LocalPermits(this.limit)));
    const deadline = Date.now() + this.waitMs;
    const timeout = () => new TransientError(`no free sendMail slot of mailbox ${mailbox} after ${this.waitMs / 1000} s (${this.limit} in use)`);
    if (!(await local.take(this.waitMs))) throw timeout();
    try {
      const key = this.#keys.mailboxSlots(name);
      const pauseKey = this.#keys.mailboxPause(name);
      const holder = randomUUID();
      // Polling, short and jittered: a slot is held for one Graph call (milliseconds to a few
      // hundred), so a waiter gets one soon; a blocking list would need a release to push.
      for (let wait = 2; ; wait = Math.min(wait * 2, 25)) {
        const got = await this.#acquire(key, pauseKey, String(this.limit), String(this.leaseMs), holder);
        if (got < 0) {
          throw new ThrottledError(`mailbox ${mailbox} is throttled by Outlook for ${Math.ceil(-got / 1000)} s more: the notice waits`, -got, undefined, true, 'mailbox');
        }
        if (got === 1) {
          const redis = this.#redis;
          let released = false;
          return {
            release: async () => {
              if (released) return;
              released = true;
              // Not awaited before the permit moves on: the next sender's ACQUIRE goes out on the
              // same connection after this ZREM, and Redis runs them in that order.
              const removed = redis.zrem(key, holder).then(() => undefined, () => undefined);
              local.give();
              await removed;
            },
          };
        }
        if (Date.now() >= deadline) throw timeout();
        await new Promise((r) => setTimeout(r, wait / 2 + Math.random() * wait));
      }
    } catch (err) {
      local.give();
      throw err;
    }
  }
}

/** A FIFO counting semaphore for one process: a released permit goes straight to the next waiter. */
class LocalPermits {
  #free: number;
  readonly #waiting: Array<(ok: boolean) => void> = [];

  constructor(permits: number) {
    this.#free = permits;
  }

  /** Resolves true with a permit, or false after `timeoutMs` without one. */
  take(timeoutMs: number): Promise<boolean> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = (ok: boolean) => {
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        const i = this.#waiting.indexOf(entry);
        if (i >= 0) this.#waiting.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      this.#waiting.push(entry);
    });
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next) next(true);
    else this.#free++;
  }
}
