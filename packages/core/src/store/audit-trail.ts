import type { Redis } from 'ioredis';
import { redactRevealUrl } from '../logging/redact';
import { redisKeys, type RedisKeys } from './keys';
import { redisScript, type RedisScript } from './redis-script';

/**
 * Append-only audit trail (spec/workflow.md "Guarantees"): one Redis stream per onboarding
 * and a global one. Entries never hold a secret: callers pass ids, outcomes and Graph
 * request-ids, never passcodes, tokens or ciphertexts (and a reveal URL that slips into a
 * detail is cut down to its path here, as a last line of defence).
 */

export interface AuditEntry {
  /** Stream id, assigned by Redis (time-ordered). */
  id?: string;
  at: string;
  employeeId: string;
  onboardingId?: string;
  /** Who or what acted: "hr" (webhook), "worker", "ops", "manager", "system". */
  actor: string;
  /** What happened, e.g. "event.accepted", "membership.added", "tap.issued", "reveal.revealed". */
  action: string;
  outcome: 'success' | 'failure' | 'skipped' | 'info';
  detail?: string;
  graphRequestId?: string;
  eventId?: string;
}

export interface AuditRetention {
  /**
   * AUDIT_RETENTION_DAYS: entries older than this are trimmed from the global stream (XADD
   * MINID on every append), and an onboarding's stream expires this long after its last entry.
   */
  maxAgeDays: number;
  /** A bound per onboarding on top of the age, so a runaway loop cannot grow one stream forever. */
  perOnboardingMaxLen: number;
}

/** The writes of one audit append (`AuditTrail.appendWrites`). */
export interface AuditWrites {
  perOnboardingKey: string;
  globalKey: string;
  perOnboardingMaxLen: string;
  expireMs: string;
  globalMinId: string;
  fields: string[];
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { maxAgeDays: 400, perOnboardingMaxLen: 10_000 };

const DAY_MS = 86_400_000;

/**
 * The writes of one entry (`AuditWrites`) as Lua, for a script that makes them with its own:
 * the two streams are `KEYS[k]` and `KEYS[k + 1]`, and ARGV from `a` holds MAXLEN, expiry (ms),
 * MINID and the fields, the order `appendWrites` gives them in.
 */
export function auditWritesLua(k: number, a: number): string {
  return `
redis.call('XADD', KEYS[${k}], 'MAXLEN', '~', ARGV[${a}], '*', unpack(ARGV, ${a + 3}))
redis.call('PEXPIRE', KEYS[${k}], ARGV[${a + 1}])
redis.call('XADD', KEYS[${k + 1}], 'MINID', ARGV[${a + 2}], '*', unpack(ARGV, ${a + 3}))
`;
}

// One command instead of MULTI, two XADDs, PEXPIRE and EXEC: an onboarding appends about ten
// entries, and in a busy worker these five commands each were a fair share of its Redis traffic.
const APPEND = auditWritesLua(1, 1);

export class AuditTrail {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #retention: AuditRetention;
  readonly #append: RedisScript;

  constructor(redis: Redis, prefix: string, retention: Partial<AuditRetention> = {}) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
    this.#retention = { ...DEFAULT_AUDIT_RETENTION, ...retention };
    this.#append = redisScript(redis, 'hirepassAuditAppend', 2, APPEND);
  }

  async append(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    const w = this.appendWrites(entry);
    await this.#append(w.perOnboardingKey, w.globalKey, ...auditWriteArgs(w));
  }

  /**
   * What `append` writes, for a caller that must make the same writes inside its own Lua
   * script (the webhook ingest stores a receipt and its audit entry in one round trip):
   * XADD perOnboardingKey MAXLEN ~ perOnboardingMaxLen * fields, PEXPIRE perOnboardingKey
   * expireMs, XADD globalKey MINID globalMinId * fields.
   */
  appendWrites(entry: Omit<AuditEntry, 'id'>): AuditWrites {
    const maxAgeMs = this.#retention.maxAgeDays * DAY_MS;
    return {
      perOnboardingKey: this.#keys.auditStream(entry.employeeId),
      globalKey: this.#keys.auditGlobal,
      perOnboardingMaxLen: String(this.#retention.perOnboardingMaxLen),
      expireMs: String(maxAgeMs),
      // Stream ids are Redis's own milliseconds, so the cut-off is wall-clock time, not an
      // injected clock. Exact MINID trimming only ever removes the oldest entries: cheap.
      globalMinId: String(Math.max(0, Date.now() - maxAgeMs)),
      fields: toFields(entry.detail === undefined ? entry : { ...entry, detail: redactRevealUrl(entry.detail) }),
    };
  }

  /**
   * Oldest first; all of them unless `limit` is given (ops-api.md: "its audit entries"). The
   * stream itself is capped at `perOnboardingMaxLen` and the retention, so "all" is bounded.
   */
  async forEmployee(employeeId: string, limit?: number): Promise<AuditEntry[]> {
    const key = this.#keys.auditStream(employeeId);
    const rows = limit === undefined ? await this.#redis.xrange(key, '-', '+') : await this.#redis.xrange(key, '-', '+', 'COUNT', limit);
    return rows.map(([id, fields]) => fromFields(id, fields));
  }

  /** Newest first, across all onboardings. */
  async recent(limit = 100): Promise<AuditEntry[]> {
    const rows = await this.#redis.xrevrange(this.#keys.auditGlobal, '+', '-', 'COUNT', limit);
    return rows.map(([id, fields]) => fromFields(id, fields));
  }
}

/** The ARGV of `auditWritesLua`. */
export function auditWriteArgs(w: AuditWrites): string[] {
  return [w.perOnboardingMaxLen, w.expireMs, w.globalMinId, ...w.fields];
}

function toFields(entry: Omit<AuditEntry, 'id'>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(entry)) if (v !== undefined && v !== null) out.push(k, String(v));
  return out;
}

function fromFields(id: string, fields: string[]): AuditEntry {
  const obj: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) obj[fields[i]!] = fields[i + 1]!;
  return { id, ...(obj as unknown as Omit<AuditEntry, 'id'>) };
}
