import type { Redis } from 'ioredis';
import type { OnboardingRecord, OnboardingStatus } from '../domain/onboarding';
import { auditWriteArgs, auditWritesLua, type AuditWrites } from './audit-trail';
import { redisKeys, type RedisKeys } from './keys';
import { redisScript, type RedisScript } from './redis-script';

/** Thrown when a record in Redis no longer parses: the job fails with this reason, the queue goes on. */
export class CorruptRecordError extends Error {
  constructor(readonly key: string, cause: unknown) {
    super(`onboarding record ${key} does not parse: ${(cause as Error).message}`);
    this.name = 'CorruptRecordError';
  }
}

// Compare-and-set on `rev`: writes only if the stored record still has the revision the
// caller read, so two workers updating one onboarding never lose each other's change. With
// ARGV[5] set, the stored record must also be that onboarding: a rehire archives the record and
// creates a new one (a new random onboardingId) whose rev starts again at 1, so rev alone could
// match a different record than the one the caller read (see `update` and its recent copies).
// ARGV[6] is the new record's status: the count of records by status (KEYS[5], once built)
// moves with it. With ARGV[7..] set, the audit entry of the change is appended in the same
// script (the writes of AuditTrail#appendWrites), before the record, so that a change and its
// entry are never one without the other: an entry fails only with an error that stops the
// script before the SET.
const CAS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
local expected = tonumber(ARGV[1])
local was = nil
if cur then
  local rec = cjson.decode(cur)
  if rec['rev'] ~= expected then return 0 end
  if ARGV[5] ~= '' and rec['onboardingId'] ~= ARGV[5] then return 0 end
  was = rec['status']
elseif expected ~= 0 then
  return 0
end
if #ARGV > 6 then${auditWritesLua(3, 7)}end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[4]) end
if ARGV[6] ~= was and redis.call('EXISTS', KEYS[5]) == 1 then
  if type(was) == 'string' then redis.call('HINCRBY', KEYS[5], was, -1) end
  redis.call('HINCRBY', KEYS[5], ARGV[6], 1)
end
return 1
`;

// KEYS: record, index, history, counts by status. ARGV: employeeId. A rehire: the record moves
// to the history, and out of the counts.
const ARCHIVE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
redis.call('LPUSH', KEYS[3], cur)
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[4]) == 1 then
  local ok, rec = pcall(cjson.decode, cur)
  if ok and type(rec) == 'table' and type(rec['status']) == 'string' then redis.call('HINCRBY', KEYS[4], rec['status'], -1) end
end
return 1
`;

// KEYS: index, counts by status. ARGV: record key prefix. Builds the counts from the records
// when there are none yet (a store written by a version without them, or a deleted hash), in
// one script so no write slips between the reading and the counting. It reads every record
// once, with keys derived from the index (one slot under a hash-tagged prefix); after that the
// record scripts keep the counts, and a read is one HGETALL.
const BUILD_COUNTS_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local counts = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local raw = redis.call('GET', ARGV[1] .. id)
  if raw then
    local ok, rec = pcall(cjson.decode, raw)
    if ok and type(rec) == 'table' and type(rec['status']) == 'string' then counts[rec['status']] = (counts[rec['status']] or 0) + 1 end
  end
end
redis.call('HSET', KEYS[2], '_', 'built')
for status, n in pairs(counts) do redis.call('HSET', KEYS[2], status, n) end
return 1
`;

/**
 * The audit entry of a record change (AuditTrail#appendWrites), written with it or not at all.
 * A function decides from the record about to be written (null: no entry for this change).
 */
export type ChangeAudit = AuditWrites | ((next: OnboardingRecord) => AuditWrites | null);

/**
 * How many records an OnboardingStore remembers as it last read or wrote them (`update` starts
 * from that copy instead of a GET). A worker has at most its concurrency of onboardings in hand;
 * beyond this, the oldest copy is dropped (about 3 KB each).
 */
const RECENT_MAX = 256;

export interface ListOptions {
  status?: OnboardingStatus;
  limit: number;
  cursor?: string;
}

export const CANCEL_WITHOUT_ONBOARDING_TTL_MS = 30 * 24 * 3600_000;

export class OnboardingStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #cas: RedisScript<number>;
  readonly #archive: RedisScript<number>;
  readonly #buildCounts: RedisScript<number>;
  /**
   * The JSON of records as this store last read (`get`) or wrote them, by key, oldest first. Only
   * a starting point for `update`, whose compare-and-set proves it still current (same rev, same
   * onboarding) before anything is written; never returned to a caller unchecked.
   */
  readonly #recent = new Map<string, string>();

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
    // KEYS: record, index, audit streams (per onboarding, global), counts by status. ARGV:
    // expected rev, JSON, index score, index member, onboardingId, status, then the audit
    // entry's writes if any.
    this.#cas = redisScript(redis, 'hirepassOnboardingCas', 5, CAS_SCRIPT);
    this.#archive = redisScript(redis, 'hirepassOnboardingArchive', 4, ARCHIVE_SCRIPT);
    this.#buildCounts = redisScript(redis, 'hirepassOnboardingCountsBuild', 2, BUILD_COUNTS_SCRIPT);
  }

  async get(employeeId: string): Promise<OnboardingRecord | null> {
    const key = this.#keys.onboarding(employeeId);
    const raw = await this.#redis.get(key);
    if (raw === null) {
      this.#recent.delete(key);
      return null;
    }
    const rec = parseRecord(key, raw);
    this.#remember(key, raw);
    return rec;
  }

  /** Creates the record (and its audit entry); false if one already exists (someone else created it first). */
  async create(record: OnboardingRecord, audit?: ChangeAudit): Promise<boolean> {
    const key = this.#keys.onboarding(record.employeeId);
    const written = { ...record, rev: 1 };
    const json = JSON.stringify(written);
    const ok = await this.#cas(...this.#casKeys(record.employeeId), '0', json, String(Date.parse(record.createdAt)), record.employeeId, '', written.status, ...this.#auditArgs(audit, written));
    if (ok === 1) this.#remember(key, json);
    else this.#recent.delete(key);
    return ok === 1;
  }

  /**
   * Read-modify-write with optimistic concurrency. `mutate` gets a copy and returns the new
   * record, or null to leave it unchanged; it may run more than once on contention, so it must
   * not have side effects. Returns the stored record (new or unchanged), or null if none exists.
   *
   * The first attempt starts from the copy this store last read or wrote, if it has one, which
   * saves a GET per step in a worker (the job read the record when it started). A stale copy
   * only costs a failed compare-and-set; and since `mutate` may decide on what it sees, a null
   * answer or a missing record is trusted only from a fresh GET.
   *
   * `audit`, if given, is the change's audit entry: appended in the same script as the write,
   * and not at all when nothing is written.
   */
  async update(
    employeeId: string,
    mutate: (current: OnboardingRecord) => OnboardingRecord | null,
    audit?: ChangeAudit,
  ): Promise<OnboardingRecord | null> {
    const key = this.#keys.onboarding(employeeId);
    for (let attempt = 0; attempt < 50; attempt++) {
      const recent = attempt === 0 ? this.#recent.get(key) : undefined;
      const raw = recent ?? (await this.#redis.get(key));
      if (raw === null) {
        this.#recent.delete(key);
        return null;
      }
      // A copy for `mutate` from the JSON (cheaper than structuredClone of the parsed record).
      const copy = parseRecord(key, raw);
      const { rev, onboardingId } = copy;
      const next = mutate(copy);
      if (!next) {
        if (recent !== undefined) continue;
        this.#remember(key, raw);
        return parseRecord(key, raw);
      }
      const written = { ...next, rev: rev + 1 };
      const json = JSON.stringify(written);
      const ok = await this.#cas(...this.#casKeys(employeeId), String(rev), json, '', '', onboardingId ?? '', written.status, ...this.#auditArgs(audit, written));
      if (ok === 1) {
        this.#remember(key, json);
        return written;
      }
      this.#recent.delete(key);
    }
    throw new Error(`onboarding ${employeeId}: too much contention, update gave up`);
  }

  #casKeys(employeeId: string): [string, string, string, string, string] {
    return [this.#keys.onboarding(employeeId), this.#keys.onboardingIndex, this.#keys.auditStream(employeeId), this.#keys.auditGlobal, this.#keys.onboardingStatusCounts];
  }

  #auditArgs(audit: ChangeAudit | undefined, next: OnboardingRecord): string[] {
    const w = typeof audit === 'function' ? audit(next) : audit;
    if (!w) return [];
    // The script writes to the streams named in its KEYS; an entry built for others is a bug.
    if (w.perOnboardingKey !== this.#keys.auditStream(next.employeeId) || w.globalKey !== this.#keys.auditGlobal) {
      throw new Error(`audit entry for ${w.perOnboardingKey} cannot be written with the record of ${next.employeeId}`);
    }
    return auditWriteArgs(w);
  }

  #remember(key: string, raw: string): void {
    this.#recent.delete(key);
    this.#recent.set(key, raw);
    if (this.#recent.size > RECENT_MAX) this.#recent.delete(this.#recent.keys().next().value!);
  }

  /**
   * A cancellation for an employee with no onboarding changes nothing (hr-webhook.md), but it
   * was applied: an older hire.created that HR redelivers after it (its first delivery got a
   * 503, say) must change nothing either, or a cancelled hire would get a pass. Kept for
   * CANCEL_WITHOUT_ONBOARDING_TTL_MS, far beyond any webhook sender's retry schedule.
   */
  async rememberCancelWithoutOnboarding(employeeId: string, event: OnboardingRecord['lastEvent']): Promise<void> {
    await this.#redis.set(this.#keys.cancelWithoutOnboarding(employeeId), JSON.stringify(event), 'PX', CANCEL_WITHOUT_ONBOARDING_TTL_MS);
  }

  /**
   * What an employee with no current record left behind, read in one round trip (every new
   * hire's first event asks): a cancellation applied while hirepass knew no onboarding, and
   * the onboarding archived last by a rehire.
   */
  async priorOf(employeeId: string): Promise<{ cancelled: OnboardingRecord['lastEvent'] | null; archived: OnboardingRecord | null }> {
    const cancelKey = this.#keys.cancelWithoutOnboarding(employeeId);
    const historyKey = this.#keys.history(employeeId);
    const [[getErr, cancelRaw], [indexErr, archivedRaw]] = (await this.#redis.pipeline().get(cancelKey).lindex(historyKey, 0).exec()) as [
      [Error | null, string | null],
      [Error | null, string | null],
    ];
    if (getErr) throw getErr;
    if (indexErr) throw indexErr;
    let cancelled: OnboardingRecord['lastEvent'] | null = null;
    if (cancelRaw !== null) {
      try {
        cancelled = JSON.parse(cancelRaw) as OnboardingRecord['lastEvent'];
      } catch (err) {
        throw new CorruptRecordError(cancelKey, err);
      }
    }
    return { cancelled, archived: archivedRaw === null ? null : parseRecord(historyKey, archivedRaw) };
  }

  /** Moves the current record into the employee's history (rehire) and removes it. */
  async archive(employeeId: string): Promise<void> {
    const key = this.#keys.onboarding(employeeId);
    this.#recent.delete(key);
    await this.#archive(key, this.#keys.onboardingIndex, this.#keys.history(employeeId), this.#keys.onboardingStatusCounts, employeeId);
  }

  async history(employeeId: string): Promise<OnboardingRecord[]> {
    const key = this.#keys.history(employeeId);
    const raws = await this.#redis.lrange(key, 0, -1);
    return raws.map((raw) => parseRecord(key, raw));
  }

  /**
   * Newest first. The cursor is the score (creation ms) and employeeId of the last item,
   * opaque to callers. A status filter reads further until the page is full.
   */
  async list(opts: ListOptions): Promise<{ items: OnboardingRecord[]; nextCursor: string | null; unreadable: string[] }> {
    const items: OnboardingRecord[] = [];
    const unreadable: string[] = [];
    let max = '+inf';
    let afterId: string | null = null;
    if (opts.cursor) {
      const decoded = decodeCursor(opts.cursor);
      if (decoded) [max, afterId] = [String(decoded.score), decoded.id];
    }
    const batch = Math.max(opts.limit * 2, 100);
    let lastScore: number | null = null;
    let lastId: string | null = null;
    let skipping = afterId !== null;
    for (;;) {
      const page = await this.#redis.zrevrangebyscore(this.#keys.onboardingIndex, max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
      if (page.length === 0) return { items, nextCursor: null, unreadable };
      const ids: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < page.length; i += 2) {
        ids.push(page[i]!);
        scores.push(Number(page[i + 1]));
      }
      let startIdx = 0;
      if (skipping) {
        const pos = ids.indexOf(afterId!);
        startIdx = pos >= 0 ? pos + 1 : 0;
        skipping = false;
      }
      const wanted = ids.slice(startIdx);
      const raws = wanted.length ? await this.#redis.mget(wanted.map((id) => this.#keys.onboarding(id))) : [];
      for (let i = 0; i < wanted.length; i++) {
        lastId = wanted[i]!;
        lastScore = scores[startIdx + i]!;
        const raw = raws[i];
        if (raw == null) continue;
        let rec: OnboardingRecord;
        try {
          rec = parseRecord(this.#keys.onboarding(lastId), raw);
        } catch (err) {
          // One record that no longer parses must not take the whole list down with it:
          // it is left out here and reported, and `get` still names the problem for that one.
          if (!(err instanceof CorruptRecordError)) throw err;
          unreadable.push(lastId);
          continue;
        }
        if (opts.status && rec.status !== opts.status) continue;
        items.push(rec);
        if (items.length === opts.limit) {
          return { items, nextCursor: encodeCursor(lastScore, lastId), unreadable };
        }
      }
      if (page.length / 2 < batch) return { items, nextCursor: null, unreadable };
      // Continue from the last score read; ties at that score are skipped by id.
      max = String(lastScore);
      afterId = lastId;
      skipping = true;
    }
  }

  /**
   * Onboardings by status, from the counts the record scripts keep (one HGETALL, whatever the
   * number of records: the dashboard and every metrics scrape ask). Built from the records the
   * first time, or again after the hash was deleted (the way to repair it by hand).
   */
  async countByStatus(): Promise<Record<string, number>> {
    let raw = await this.#redis.hgetall(this.#keys.onboardingStatusCounts);
    if (!raw._) {
      await this.#buildCounts(this.#keys.onboardingIndex, this.#keys.onboardingStatusCounts, this.#keys.onboarding(''));
      raw = await this.#redis.hgetall(this.#keys.onboardingStatusCounts);
    }
    const counts: Record<string, number> = {};
    for (const [status, n] of Object.entries(raw)) {
      if (status !== '_' && Number(n) > 0) counts[status] = Number(n);
    }
    return counts;
  }
}

function parseRecord(key: string, raw: string): OnboardingRecord {
  try {
    const rec = JSON.parse(raw) as OnboardingRecord;
    if (typeof rec !== 'object' || rec === null || typeof rec.employeeId !== 'string' || typeof rec.rev !== 'number' || !rec.steps) {
      throw new Error('missing employeeId, rev or steps');
    }
    return rec;
  } catch (err) {
    throw new CorruptRecordError(key, err);
  }
}

function encodeCursor(score: number, id: string): string {
  return Buffer.from(JSON.stringify([score, id])).toString('base64url');
}

function decodeCursor(cursor: string): { score: number; id: string } | null {
  try {
    const [score, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number, string];
    return typeof score === 'number' && typeof id === 'string' ? { score, id } : null;
  } catch {
    return null;
  }
}
