import { afterAll, describe, expect, it } from 'vitest';
import { redisForTest } from '../testing/redis-test-prefix';
import { OnboardingStore, CorruptRecordError } from './onboarding-store';
import { EventReceipts } from './event-receipts';
import { RevealLinks } from './reveal-links';
import { AuditTrail } from './audit-trail';
import { redisKeys } from './keys';
import { pendingSteps, type OnboardingRecord } from '../domain/onboarding';

const { redis, prefix, cleanup } = redisForTest();
afterAll(cleanup);

function record(employeeId: string, createdAt: string, status: OnboardingRecord['status'] = 'in_progress'): OnboardingRecord {
  return {
    employeeId,
    onboardingId: `onb-${employeeId}`,
    generation: 1,
    rev: 0,
    hire: { employeeId, userPrincipalName: `${employeeId}@contoso.com`, startDate: '2026-12-01', timeZone: 'UTC' },
    lastEvent: { eventId: 'e', timestamp: createdAt, seq: 1 },
    status,
    activationAt: '2026-12-01T08:00:00.000Z',
    createdAt,
    updatedAt: createdAt,
    entra: {},
    steps: pendingSteps(),
    memberships: [],
    tap: null,
    notice: { state: 'pending' },
    reveal: null,
    warnings: [],
  };
}

describe('OnboardingStore', () => {
  const store = new OnboardingStore(redis, `${prefix}a`);

  it('creates once and updates with compare-and-set, losing no concurrent change', async () => {
    expect(await store.create(record('E1', '2026-11-01T00:00:00Z'))).toBe(true);
    expect(await store.create(record('E1', '2026-11-01T00:00:00Z'))).toBe(false);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update('E1', (r) => ({ ...r, warnings: [...r.warnings, `w${i}`] })),
      ),
    );
    const after = await store.get('E1');
    expect(after!.warnings).toHaveLength(20);
    expect(after!.rev).toBe(21);
  });

  it('writes a change and its audit entry together, or neither', async () => {
    const p = `${prefix}audited`;
    const s = new OnboardingStore(redis, p);
    const audit = new AuditTrail(redis, p);
    const entry = (action: string) => audit.appendWrites({ at: new Date().toISOString(), employeeId: 'A1', actor: 'worker', action, outcome: 'success' });
    const actions = async () => (await audit.forEmployee('A1')).map((a) => a.action);
    const globalActions = async () => (await audit.recent()).map((a) => a.action).reverse();

    expect(await s.create(record('A1', '2026-11-01T00:00:00Z'), entry('onboarding.created'))).toBe(true);
    // A second create loses: neither its record nor its entry is written.
    expect(await s.create(record('A1', '2026-11-01T00:00:00Z'), entry('second.create'))).toBe(false);
    await s.update('A1', (r) => ({ ...r, warnings: ['w1'] }), entry('changed'));
    // No change, no entry; and a function may decide against one.
    await s.update('A1', () => null, entry('unchanged'));
    await s.update('A1', (r) => ({ ...r, warnings: ['w2'] }), (next) => (next.warnings[0] === 'w2' ? null : entry('not-this-one')));
    expect(await actions()).toEqual(['onboarding.created', 'changed']);
    expect(await globalActions()).toEqual(['onboarding.created', 'changed']);

    // A competing writer moves rev under this store's remembered copy: the first compare-and-set
    // fails and writes nothing; the retry (after a fresh read) writes the change and one entry.
    const other = new OnboardingStore(redis, p);
    await other.update('A1', (r) => ({ ...r, warnings: ['other'] }));
    let runs = 0;
    await s.update('A1', (r) => (runs++, { ...r, warnings: [...r.warnings, 'mine'] }), entry('after-contention'));
    expect(runs).toBe(2);
    expect((await s.get('A1'))!.warnings).toEqual(['other', 'mine']);
    expect(await actions()).toEqual(['onboarding.created', 'changed', 'after-contention']);
    expect(await redis.pttl(redisKeys(p).auditStream('A1'))).toBeGreaterThan(399 * 86_400_000);
  });

  it("refuses an audit entry built for another onboarding's stream", async () => {
    const p = `${prefix}audited2`;
    const s = new OnboardingStore(redis, p);
    await s.create(record('B1', '2026-11-01T00:00:00Z'));
    const wrong = new AuditTrail(redis, p).appendWrites({ at: new Date().toISOString(), employeeId: 'B2', actor: 'worker', action: 'x', outcome: 'info' });
    await expect(s.update('B1', (r) => ({ ...r, warnings: ['w'] }), wrong)).rejects.toThrow(/cannot be written with the record of B1/);
    expect((await s.get('B1'))!.rev).toBe(1);
  });

  it('lists newest first with a status filter and a cursor', async () => {
    const s = new OnboardingStore(redis, `${prefix}b`);
    for (let i = 0; i < 12; i++) {
      await s.create(record(`L${i}`, new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), i % 3 === 0 ? 'failed' : 'scheduled'));
    }
    const first = await s.list({ limit: 5 });
    expect(first.items.map((r) => r.employeeId)).toEqual(['L11', 'L10', 'L9', 'L8', 'L7']);
    const second = await s.list({ limit: 5, cursor: first.nextCursor! });
    expect(second.items.map((r) => r.employeeId)).toEqual(['L6', 'L5', 'L4', 'L3', 'L2']);
    const third = await s.list({ limit: 5, cursor: second.nextCursor! });
    expect(third.items.map((r) => r.employeeId)).toEqual(['L1', 'L0']);
    expect(third.nextCursor).toBeNull();
    const failed = await s.list({ limit: 50, status: 'failed' });
    expect(failed.items.map((r) => r.employeeId)).toEqual(['L9', 'L6', 'L3', 'L0']);
    expect(await s.countByStatus()).toEqual({ failed: 4, scheduled: 8 });
  });

  it('keeps counts by status with every write, built once from the records, and equal to a full count', async () => {
    const p = `${prefix}counts`;
    const keys = redisKeys(p);
    const s = new OnboardingStore(redis, p);
    // Records written before there were counts (an older version, or a deleted hash).
    for (let i = 0; i < 6; i++) await s.create(record(`C${i}`, new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), i < 4 ? 'scheduled' : 'failed'));
    await redis.set(keys.onboarding('C-corrupt'), '{not json');
    await redis.zadd(keys.onboardingIndex, Date.UTC(2026, 10, 2), 'C-corrupt');
    expect(await redis.exists(keys.onboardingStatusCounts)).toBe(0);
    expect(await s.countByStatus()).toEqual({ scheduled: 4, failed: 2 });

    // From now on the scripts keep them: a status change, a change that keeps the status, a
    // new record, a rehire's archive, and two stores racing on one record.
    await s.update('C0', (r) => ({ ...r, status: 'notified' }));
    await s.update('C1', (r) => ({ ...r, warnings: ['same status'] }));
    await s.create(record('C9', '2026-11-03T00:00:00Z', 'in_progress'));
    await s.archive('C5');
    const other = new OnboardingStore(redis, p);
    await Promise.all([s.update('C2', (r) => ({ ...r, status: 'revealed' })), other.update('C2', (r) => ({ ...r, status: 'needs_attention' }))]);
    const counted = await s.countByStatus();
    expect(counted).toEqual({ scheduled: 2, failed: 1, notified: 1, in_progress: 1, [(await s.get('C2'))!.status]: 1 });

    // Equal to counting every record, as the list does.
    const all = (await s.list({ limit: 100 })).items;
    const byScan: Record<string, number> = {};
    for (const r of all) byScan[r.status] = (byScan[r.status] ?? 0) + 1;
    expect(counted).toEqual(byScan);

    // Deleting the hash is the repair: the next read builds it again.
    await redis.del(keys.onboardingStatusCounts);
    expect(await s.countByStatus()).toEqual(byScan);
  });

  it('archives for a rehire and keeps the history readable', async () => {
    await store.create(record('R1', '2026-11-02T00:00:00Z', 'cancelled'));
    await store.archive('R1');
    expect(await store.get('R1')).toBeNull();
    expect(await store.create(record('R1', '2026-11-03T00:00:00Z'))).toBe(true);
    expect((await store.history('R1')).map((r) => r.status)).toEqual(['cancelled']);
  });

  it('reports a record that no longer parses as corrupt, and lists the others around it', async () => {
    const s = new OnboardingStore(redis, `${prefix}c`);
    await s.create(record('OK1', '2026-11-01T00:00:00Z'));
    await s.create(record('BAD', '2026-11-02T00:00:00Z'));
    await s.create(record('OK2', '2026-11-03T00:00:00Z'));
    await redis.set(redisKeys(`${prefix}c`).onboarding('BAD'), '{"not":"a record"');
    await expect(s.get('BAD')).rejects.toBeInstanceOf(CorruptRecordError);
    const listed = await s.list({ limit: 10 });
    expect(listed.items.map((r) => r.employeeId)).toEqual(['OK2', 'OK1']);
    expect(listed.unreadable).toEqual(['BAD']);
  });

  it('starts an update from its last copy, yet never writes over a change made elsewhere', async () => {
    // Two stores on one prefix: two worker processes. `a` remembers the record it read.
    const a = new OnboardingStore(redis, `${prefix}r`);
    const b = new OnboardingStore(redis, `${prefix}r`);
    await a.create(record('R1', '2026-11-01T00:00:00Z'));
    await a.get('R1');
    await b.update('R1', (r) => ({ ...r, warnings: [...r.warnings, 'from b'] }));
    const out = await a.update('R1', (r) => ({ ...r, warnings: [...r.warnings, 'from a'] }));
    expect(out!.warnings).toEqual(['from b', 'from a']);
    expect((await b.get('R1'))!.warnings).toEqual(['from b', 'from a']);
    expect((await b.get('R1'))!.rev).toBe(3);
  });

  it('decides "nothing to change" on the stored record, not on a stale copy', async () => {
    const a = new OnboardingStore(redis, `${prefix}s`);
    const b = new OnboardingStore(redis, `${prefix}s`);
    await a.create(record('S1', '2026-11-01T00:00:00Z'));
    await a.get('S1');
    await b.update('S1', (r) => ({ ...r, status: 'cancelled' }));
    const seen: string[] = [];
    const out = await a.update('S1', (r) => {
      seen.push(r.status);
      return r.status === 'cancelled' ? null : { ...r, warnings: ['late write'] };
    });
    expect(out!.status).toBe('cancelled');
    expect(out!.warnings).toEqual([]);
    expect(seen.at(-1)).toBe('cancelled');
  });

  it('never writes a copy of an archived onboarding over its successor at the same rev', async () => {
    const a = new OnboardingStore(redis, `${prefix}t`);
    const b = new OnboardingStore(redis, `${prefix}t`);
    await a.create({ ...record('T1', '2026-11-01T00:00:00Z'), onboardingId: 'first' });
    await a.update('T1', (r) => r); // rev 2, remembered by `a`
    // Elsewhere: a rehire archives it and creates the next onboarding, which reaches rev 2 too.
    await b.archive('T1');
    await b.create({ ...record('T1', '2026-11-02T00:00:00Z'), onboardingId: 'second' });
    await b.update('T1', (r) => r);
    const out = await a.update('T1', (r) => ({ ...r, warnings: [...r.warnings, `seen ${r.onboardingId}`] }));
    expect(out).toMatchObject({ onboardingId: 'second', rev: 3, warnings: ['seen second'] });
    expect((await b.get('T1'))!.onboardingId).toBe('second');
  });
});

describe('EventReceipts', () => {
  it('lets exactly one of concurrent copies be first', async () => {
    const receipts = new EventReceipts(redis, prefix);
    const results = await Promise.all(
      Array.from({ length: 10 }, async () =>
        receipts.record({ eventId: 'evt-1', employeeId: 'E1', type: 'hire.created', seq: await receipts.nextSeq(), receivedAt: new Date().toISOString() }),
      ),
    );
    expect(results.filter((r) => r.first)).toHaveLength(1);
    const winner = results.find((r) => r.first)!.receipt;
    for (const r of results) expect(r.receipt).toEqual(winner);
  });
});

describe('RevealLinks', () => {
  const links = new RevealLinks(redis, prefix);
  const base = {
    employeeId: 'E1', onboardingId: 'o1', generation: 1, displayName: 'Jane', userPrincipalName: 'jane@contoso.com',
    timeZone: 'UTC', validFrom: '2026-11-28T00:00:00Z', createdAt: '2026-11-28T00:00:00Z',
  };

  it('reveals once, even to concurrent callers', async () => {
    const expiresAt = new Date(Date.now() + 3600_000);
    await links.sealPasscode('E1', 'tap1', 'sealed-1', expiresAt);
    await links.create({ ...base, tokenHash: 'h1', tapId: 'tap1', expiresAt: expiresAt.toISOString() });
    const results = await Promise.all(Array.from({ length: 5 }, () => links.consume('h1', new Date())));
    const revealed = results.filter((r) => r.status === 'revealed');
    expect(revealed).toHaveLength(1);
    expect(revealed[0]).toMatchObject({ sealed: 'sealed-1' });
    expect(await links.hasSealedPasscode('E1', 'tap1')).toBe(false);
    expect((await links.peek('h1', new Date()))!.state).toBe('revealed');
  });

  it('says expired after the TAP expiry, and unknown for a hash it never saw', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    await links.sealPasscode('E1', 'tap2', 'sealed-2', expiresAt);
    await links.create({ ...base, tokenHash: 'h2', tapId: 'tap2', expiresAt: expiresAt.toISOString() });
    const later = new Date(expiresAt.getTime() + 1);
    expect((await links.peek('h2', later))!.state).toBe('expired');
    expect(await links.consume('h2', later)).toMatchObject({ status: 'gone' });
    expect(await links.hasSealedPasscode('E1', 'tap2')).toBe(false);
    expect(await links.consume('nope', new Date())).toEqual({ status: 'unknown' });
  });

  it('lets Redis itself drop the sealed passcode at expiry', async () => {
    await links.sealPasscode('E1', 'tap3', 'sealed-3', new Date(Date.now() + 60_000));
    const ttl = await redis.pttl(redisKeys(prefix).sealedPasscode('E1', 'tap3'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('revokes an active link', async () => {
    const expiresAt = new Date(Date.now() + 3600_000);
    await links.sealPasscode('E1', 'tap4', 'sealed-4', expiresAt);
    await links.create({ ...base, tokenHash: 'h4', tapId: 'tap4', expiresAt: expiresAt.toISOString() });
    expect(await links.end('h4', 'revoked', new Date())).toBe(true);
    expect(await links.end('h4', 'revoked', new Date())).toBe(false);
    expect(await links.consume('h4', new Date())).toMatchObject({ status: 'gone', link: { state: 'revoked' } });
  });
});

describe('AuditTrail', () => {
  it('appends per onboarding and globally, oldest first per onboarding', async () => {
    const audit = new AuditTrail(redis, prefix);
    await audit.append({ at: '2026-11-28T00:00:00Z', employeeId: 'A1', actor: 'hr', action: 'event.accepted', outcome: 'success', eventId: 'e1' });
    await audit.append({ at: '2026-11-28T00:00:01Z', employeeId: 'A1', actor: 'worker', action: 'membership.added', outcome: 'success', graphRequestId: 'r-1' });
    await audit.append({ at: '2026-11-28T00:00:02Z', employeeId: 'A2', actor: 'hr', action: 'event.accepted', outcome: 'success' });
    const mine = await audit.forEmployee('A1');
    expect(mine.map((e) => e.action)).toEqual(['event.accepted', 'membership.added']);
    expect(mine[1]).toMatchObject({ graphRequestId: 'r-1', actor: 'worker' });
    expect((await audit.recent(10)).map((e) => e.employeeId)).toEqual(['A2', 'A1', 'A1']);
  });
});
