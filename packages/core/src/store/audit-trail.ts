import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from './keys';

/**
 * Append-only audit trail (spec/workflow.md "Guarantees"): one Redis stream per onboarding
 * and a global one, trimmed to a retention length. Entries never hold a secret: callers pass
 * ids, outcomes and Graph request-ids, never passcodes, tokens or ciphertexts.
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
  /** Entries kept in the global stream (approximate trim). */
  globalMaxLen: number;
  /** Entries kept per onboarding. */
  perOnboardingMaxLen: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { globalMaxLen: 1_000_000, perOnboardingMaxLen: 1_000 };

export class AuditTrail {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #retention: AuditRetention;

  constructor(redis: Redis, prefix: string, retention: AuditRetention = DEFAULT_AUDIT_RETENTION) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
    this.#retention = retention;
  }

  async append(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    const fields = toFields(entry);
    await this.#redis
      .multi()
      .xadd(this.#keys.auditStream(entry.employeeId), 'MAXLEN', '~', String(this.#retention.perOnboardingMaxLen), '*', ...fields)
      .xadd(this.#keys.auditGlobal, 'MAXLEN', '~', String(this.#retention.globalMaxLen), '*', ...fields)
      .exec();
  }

  /** Oldest first. */
  async forEmployee(employeeId: string, limit = 1000): Promise<AuditEntry[]> {
    const rows = await this.#redis.xrange(this.#keys.auditStream(employeeId), '-', '+', 'COUNT', limit);
    return rows.map(([id, fields]) => fromFields(id, fields));
  }

  /** Newest first, across all onboardings. */
  async recent(limit = 100): Promise<AuditEntry[]> {
    const rows = await this.#redis.xrevrange(this.#keys.auditGlobal, '+', '-', 'COUNT', limit);
    return rows.map(([id, fields]) => fromFields(id, fields));
  }
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
