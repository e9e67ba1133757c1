import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock';
import { redisKeys, type RedisKeys } from '../store/keys';
import { redisScript, type RedisScript } from '../store/redis-script';
import type { DoctorReport } from './doctor-report';
import type { ReadinessConfig } from './readiness-config';

/**
 * TAP issuance control shared by every worker and the API, in Redis (issue 9): the ops pause
 * switch, the blast-radius brake and its counters, and the latest doctor report a worker
 * published. Tripping, pausing and resuming are explicit state changes that callers audit.
 */
export interface PauseState {
  by: string;
  at: string;
  reason?: string;
}

export interface BrakeState {
  at: string;
  rule: 'rate' | 'failures';
  reason: string;
}

export interface PublishedReport extends DoctorReport {
  /** The worker that ran it. */
  source: string;
  dryRun: boolean;
}

export interface IssuanceState {
  paused: PauseState | null;
  brake: BrakeState | null;
  report: PublishedReport | null;
}

export type Admission =
  | { kind: 'ok' }
  | { kind: 'paused'; paused: PauseState }
  | { kind: 'brake'; brake: BrakeState }
  /** This very admission tripped the brake: the caller logs and audits the trip, once. */
  | { kind: 'tripped'; brake: BrakeState };

// Admission is one script so the count and the add cannot interleave between workers: at
// most `max` distinct onboardings are admitted per window, however many workers ask at once.
const ADMIT = `
local paused = redis.call('HGET', KEYS[1], 'paused')
if paused then return {'paused', paused} end
local brake = redis.call('HGET', KEYS[1], 'brake')
if brake then return {'brake', brake} end
local max = tonumber(ARGV[3])
if max <= 0 then return {'ok', ''} end
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZSCORE', KEYS[2], ARGV[4]) then return {'ok', ''} end
if redis.call('ZCARD', KEYS[2]) >= max then
  redis.call('HSET', KEYS[1], 'brake', ARGV[5])
  return {'tripped', ARGV[5]}
end
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {'ok', ''}
`;

// KEYS: control, succeeded, failed. ARGV: now, window, member, failed (1/0), percent, minBatch, brake JSON.
const OUTCOME = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local target = KEYS[2]
if ARGV[4] == '1' then target = KEYS[3] end
redis.call('ZADD', target, now, ARGV[3])
redis.call('PEXPIRE', target, window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
local percent = tonumber(ARGV[5])
if ARGV[4] ~= '1' or percent <= 0 then return {'ok', ''} end
local failed = redis.call('ZCARD', KEYS[3])
local total = failed + redis.call('ZCARD', KEYS[2])
if total < tonumber(ARGV[6]) or failed * 100 <= percent * total then return {'ok', ''} end
if redis.call('HSETNX', KEYS[1], 'brake', ARGV[7]) == 1 then return {'tripped', ARGV[7]} end
return {'ok', ''}
`;

function parse<T>(raw: string | null | undefined): T | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

export class IssuanceControl {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #clock: Clock;
  readonly #admit: RedisScript<[string, string]>;
  readonly #outcome: RedisScript<[string, string]>;

  constructor(redis: Redis, prefix: string, clock: Clock) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
    this.#admit = redisScript(redis, 'hirepassIssuanceAdmit', 2, ADMIT);
    this.#outcome = redisScript(redis, 'hirepassIssuanceOutcome', 3, OUTCOME);
    this.#clock = clock;
  }

  async state(): Promise<IssuanceState> {
    const [control, report] = await Promise.all([this.#redis.hgetall(this.#keys.issuanceControl), this.#redis.get(this.#keys.readinessReport)]);
    return { paused: parse<PauseState>(control.paused), brake: parse<BrakeState>(control.brake), report: parse<PublishedReport>(report) };
  }

  /** True while ops paused issuance or the brake is tripped (what `admit` refuses first). */
  async held(): Promise<boolean> {
    const [paused, brake] = await this.#redis.hmget(this.#keys.issuanceControl, 'paused', 'brake');
    return paused !== null || brake !== null;
  }

  /** The global switch. False when it was already paused (the first pause stands). */
  async pause(by: string, reason?: string): Promise<boolean> {
    const state: PauseState = { by, at: this.#clock.now().toISOString(), ...(reason ? { reason } : {}) };
    return (await this.#redis.hsetnx(this.#keys.issuanceControl, 'paused', JSON.stringify(state))) === 1;
  }

  async resume(): Promise<boolean> {
    return (await this.#redis.hdel(this.#keys.issuanceControl, 'paused')) === 1;
  }

  /** Releases a tripped brake and starts its window afresh, so it does not trip again at once. */
  async releaseBrake(): Promise<BrakeState | null> {
    const [[, raw], [, deleted]] = (await this.#redis
      .multi()
      .hget(this.#keys.issuanceControl, 'brake')
      .hdel(this.#keys.issuanceControl, 'brake')
      .del(this.#keys.issuanceAdmitted, this.#keys.issuanceSucceeded, this.#keys.issuanceFailed)
      .exec()) as [[null, string | null], [null, number], [null, number]];
    return deleted === 1 ? parse<BrakeState>(raw) : null;
  }

  /** One onboarding-generation asks to issue a TAP now; counted once per window however often it retries. */
  async admit(member: string, brake: ReadinessConfig['brake']): Promise<Admission> {
    const now = this.#clock.now();
    const minutes = Math.round(brake.windowMs / 60_000);
    const trip: BrakeState = { at: now.toISOString(), rule: 'rate', reason: `more than ${brake.maxTaps} TAPs in ${minutes} min (BRAKE_MAX_TAPS, BRAKE_WINDOW_MINUTES)` };
    const [kind, raw] = await this.#admit(
      this.#keys.issuanceControl,
      this.#keys.issuanceAdmitted,
      String(now.getTime()),
      String(brake.windowMs),
      String(brake.maxTaps),
      member,
      JSON.stringify(trip),
    );
    if (kind === 'paused') return { kind, paused: parse<PauseState>(raw) ?? { by: 'unknown', at: now.toISOString() } };
    if (kind === 'brake' || kind === 'tripped') return { kind, brake: parse<BrakeState>(raw) ?? trip };
    return { kind: 'ok' };
  }

  /** The outcome of one TAP create; returns the brake state when this failure tripped it. */
  async recordOutcome(failed: boolean, brake: ReadinessConfig['brake']): Promise<BrakeState | null> {
    const now = this.#clock.now();
    const minutes = Math.round(brake.windowMs / 60_000);
    const trip: BrakeState = {
      at: now.toISOString(),
      rule: 'failures',
      reason: `more than ${brake.maxFailurePercent}% of at least ${brake.minBatch} TAP creates failed in ${minutes} min (BRAKE_MAX_FAILURE_PERCENT, BRAKE_MIN_BATCH)`,
    };
    const [kind] = await this.#outcome(
      this.#keys.issuanceControl,
      this.#keys.issuanceSucceeded,
      this.#keys.issuanceFailed,
      String(now.getTime()),
      String(brake.windowMs),
      `${now.getTime()}-${randomUUID()}`,
      failed ? '1' : '0',
      String(brake.maxFailurePercent),
      String(brake.minBatch),
      JSON.stringify(trip),
    );
    return kind === 'tripped' ? trip : null;
  }

  async publishReport(report: PublishedReport): Promise<void> {
    await this.#redis.set(this.#keys.readinessReport, JSON.stringify(report));
  }
}
