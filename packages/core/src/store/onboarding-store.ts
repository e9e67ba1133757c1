import type { Redis } from 'ioredis';
import type { OnboardingRecord, OnboardingStatus } from '../domain/onboarding';
import { redisKeys, type RedisKeys } from './keys';

/** Thrown when a record in Redis no longer parses: the job fails with this reason, the queue goes on. */
export class CorruptRecordError extends Error {
  constructor(readonly key: string, cause: unknown) {
    super(`onboarding record ${key} does not parse: ${(cause as Error).message}`);
    this.name = 'CorruptRecordError';
  }
}

// Compare-and-set on `rev`: writes only if the stored record still has the revision the
// caller read, so two workers updating one onboarding never lose each other's change.
const CAS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
local expected = tonumber(ARGV[1])
if cur then
  local rev = cjson.decode(cur)['rev']
  if rev ~= expected then return 0 end
elseif expected ~= 0 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[4]) end
return 1
`;

export interface ListOptions {
  status?: OnboardingStatus;
  limit: number;
  cursor?: string;
}

export class OnboardingStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
  }

  async get(employeeId: string): Promise<OnboardingRecord | null> {
    const key = this.#keys.onboarding(employeeId);
    const raw = await this.#redis.get(key);
    return raw === null ? null : parseRecord(key, raw);
  }

  /** Creates the record; false if one already exists (someone else created it first). */
  async create(record: OnboardingRecord): Promise<boolean> {
    const toWrite = { ...record, rev: 1 };
    const ok = await this.#redis.eval(
      CAS_SCRIPT,
      2,
      this.#keys.onboarding(record.employeeId),
      this.#keys.onboardingIndex,
      '0',
      JSON.stringify(toWrite),
      String(Date.parse(record.createdAt)),
      record.employeeId,
    );
    return ok === 1;
  }

  /**
   * Read-modify-write with optimistic concurrency. `mutate` gets a copy and returns the new
   * record, or null to leave it unchanged; it may run more than once on contention, so it must
   * not have side effects. Returns the stored record (new or unchanged), or null if none exists.
   */
  async update(
    employeeId: string,
    mutate: (current: OnboardingRecord) => OnboardingRecord | null,
  ): Promise<OnboardingRecord | null> {
    const key = this.#keys.onboarding(employeeId);
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await this.get(employeeId);
      if (!current) return null;
      const next = mutate(structuredClone(current));
      if (!next) return current;
      const written = { ...next, rev: current.rev + 1 };
      const ok = await this.#redis.eval(CAS_SCRIPT, 2, key, this.#keys.onboardingIndex, String(current.rev), JSON.stringify(written), '', '');
      if (ok === 1) return written;
    }
    throw new Error(`onboarding ${employeeId}: too much contention, update gave up`);
  }

  /** Moves the current record into the employee's history (rehire) and removes it. */
  async archive(employeeId: string): Promise<void> {
    const key = this.#keys.onboarding(employeeId);
    const raw = await this.#redis.get(key);
    if (raw === null) return;
    await this.#redis
      .multi()
      .lpush(this.#keys.history(employeeId), raw)
      .del(key)
      .zrem(this.#keys.onboardingIndex, employeeId)
      .exec();
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

  async countByStatus(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let cursor: string | undefined;
    for (;;) {
      const page = await this.list({ limit: 500, cursor });
      for (const r of page.items) counts[r.status] = (counts[r.status] ?? 0) + 1;
      if (!page.nextCursor) return counts;
      cursor = page.nextCursor;
    }
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
