import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pendingSteps, type OnboardingRecord } from '@hirepass/core';
import { ObservedOnboardingStore, WorkerMetrics, serveMetrics, type RecordSnapshot } from './metrics';

const activationAt = '2026-12-01T13:00:00.000Z';

function record(over: Partial<OnboardingRecord> = {}): OnboardingRecord {
  return {
    employeeId: 'E-1',
    onboardingId: 'ob-1',
    generation: 1,
    rev: 1,
    hire: { employeeId: 'E-1', userPrincipalName: 'jane.doe@contoso.com', startDate: '2026-12-01', timeZone: 'America/New_York' },
    lastEvent: { eventId: 'm1', timestamp: activationAt, seq: 1 },
    status: 'scheduled',
    activationAt,
    createdAt: activationAt,
    updatedAt: activationAt,
    entra: {},
    steps: pendingSteps(),
    memberships: [],
    tap: null,
    notice: { state: 'pending' },
    reveal: null,
    warnings: [],
    ...over,
  };
}

const tap = (id: string, createdAt: string, generation = 1) => ({ id, startDateTime: createdAt, lifetimeInMinutes: 60, isUsableOnce: false, expiresAt: createdAt, createdAt, generation });

async function value(m: WorkerMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const hit = (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => String((v.labels as Record<string, unknown>)[k]) === l));
  return hit.reduce((s, v) => s + v.value, 0);
}

describe('WorkerMetrics.recordChanged', () => {
  it('counts a TAP and a notice of an activation once, with their lag from the activation instant', async () => {
    const m = new WorkerMetrics();
    const issued = record({ tap: tap('t1', '2026-12-01T13:00:02.000Z') });
    m.recordChanged(record(), issued);
    m.recordChanged(issued, { ...issued, warnings: ['x'] }); // same pass: not counted again
    const sent = { ...issued, notice: { state: 'sent' as const, sentAt: '2026-12-01T13:00:05.000Z', generation: 1 } };
    m.recordChanged(issued, sent);
    expect(await value(m, 'hirepass_taps_issued_total', { kind: 'activation' })).toBe(1);
    expect(await value(m, 'hirepass_notices_total', { outcome: 'sent' })).toBe(1);
    expect(await value(m, 'hirepass_activation_to_tap_created_seconds', { le: '2' })).toBe(1);
    expect(await value(m, 'hirepass_activation_to_notice_sent_seconds', { le: '5' })).toBe(1);
    expect(await value(m, 'hirepass_activation_to_notice_sent_seconds', { le: '2' })).toBe(0);
  });

  it('counts a re-issue apart, without a lag; an unclear send; and an expiry nobody revealed', async () => {
    const m = new WorkerMetrics();
    const before = record({ generation: 2, lastReissue: { requestedAt: activationAt, generation: 2 } });
    m.recordChanged(before, { ...before, tap: tap('t2', '2026-12-02T09:00:00.000Z', 2) });
    m.recordChanged(before, { ...before, notice: { state: 'unknown' } });
    const expired = { ...before, expiry: { at: activationAt, tapId: 't2', revealed: false } };
    m.recordChanged(before, expired);
    m.recordChanged(expired, { ...expired, warnings: ['y'] });
    expect(await value(m, 'hirepass_taps_issued_total', { kind: 'reissue' })).toBe(1);
    expect(await value(m, 'hirepass_taps_issued_total', { kind: 'activation' })).toBe(0);
    expect(await value(m, 'hirepass_activation_to_tap_created_seconds_count')).toBe(0);
    expect(await value(m, 'hirepass_notices_total', { outcome: 'unknown' })).toBe(1);
    expect(await value(m, 'hirepass_taps_expired_total', { revealed: 'false' })).toBe(1);
  });

  it('labels Graph calls by a fixed operation name and status; 429s also on their own', async () => {
    const m = new WorkerMetrics();
    m.graphCall({ operation: 'create TAP', status: 201, durationMs: 12 });
    m.graphCall({ operation: 'get user', status: 429, durationMs: 3 });
    m.graphCall({ operation: 'send mail', status: null, durationMs: 30_000 });
    expect(await value(m, 'hirepass_graph_calls_total', { operation: 'create_tap', status: '201' })).toBe(1);
    expect(await value(m, 'hirepass_graph_throttled_total', { operation: 'get_user' })).toBe(1);
    expect(await value(m, 'hirepass_graph_calls_total', { operation: 'send_mail', status: 'none' })).toBe(1);
  });
});

describe('ObservedOnboardingStore and the metrics endpoint', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `t-${randomUUID()}`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('reports each write that lands, with what it compares of the record before it, and none that was declined', async () => {
    const seen: [RecordSnapshot, OnboardingRecord][] = [];
    const store = new ObservedOnboardingStore(redis, prefix, (a, b) => seen.push([a, b]));
    await store.create(record({ rev: 0 }));
    await store.update('E-1', (r) => ({ ...r, status: 'notified', notice: { state: 'sent', sentAt: '2026-12-01T09:00:05.000Z' } }));
    await store.update('E-1', () => null);
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toMatchObject({ rev: 1, notice: { state: 'pending' } });
    expect(seen[0]![1]).toMatchObject({ rev: 2, status: 'notified', notice: { state: 'sent' } });
  });

  it('serves the registry as Prometheus text on GET /metrics only', async () => {
    const m = new WorkerMetrics();
    const server = await serveMetrics(m.registry, '127.0.0.1', 0);
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toContain('hirepass_notices_total{outcome="sent"} 0');
      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
