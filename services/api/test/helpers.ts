import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import type { FastifyInstance } from 'fastify';
import {
  ManualClock,
  QUEUES,
  loadApiConfig,
  pendingSteps,
  type ApiConfig,
  type OnboardingRecord,
} from '@hirepass/core';
import { buildApp } from '../src/index';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const OPS_TOKEN = 'test-ops-token-0123456789';
export const SECRET_A = `whsec_${randomBytes(32).toString('base64')}`;
export const SECRET_B = `whsec_${randomBytes(32).toString('base64')}`;
export const PASSCODE_KEY = randomBytes(32).toString('base64');

export function testConfig(prefix: string, env: Record<string, string> = {}): ApiConfig {
  return loadApiConfig({
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'info',
    HR_WEBHOOK_SECRETS: SECRET_A,
    PASSCODE_ENCRYPTION_KEYS: PASSCODE_KEY,
    OPS_TOKEN,
    PORT: '0',
    ...env,
  });
}

/** Collects every log line the app writes, to check that no secret reaches them. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  app: FastifyInstance;
  prefix: string;
  config: ApiConfig;
  clock: ManualClock;
  /** The test's own connection, for setting up and checking state. */
  redis: Redis;
  logs: LogSink;
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

export async function makeTestApp(env: Record<string, string> = {}, opts: { clock?: ManualClock } = {}): Promise<TestApp> {
  const prefix = `t-${randomUUID()}`;
  const config = testConfig(prefix, env);
  const clock = opts.clock ?? new ManualClock(Date.now());
  const logs = new LogSink();
  const app = await buildApp({ config, clock, logDestination: logs });
  const redis = new Redis(REDIS_URL);
  const keys = () => scanKeys(redis, `${prefix}*`);
  return {
    app,
    prefix,
    config,
    clock,
    redis,
    logs,
    keys,
    async close() {
      await app.close();
      const all = await keys();
      if (all.length) await redis.del(...all);
      await redis.quit();
    },
  };
}

export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

/**
 * Keys that count as "stored": everything under the prefix except the rate limiter's counters
 * and the metadata hash BullMQ writes when a queue connects (no event data in either).
 */
export async function storedKeys(t: TestApp): Promise<string[]> {
  const meta = new Set(Object.values(QUEUES).map((q) => `${t.prefix}:${q}:meta`));
  return (await t.keys()).filter((k) => !k.startsWith(`${t.prefix}:rate-limit:`) && !meta.has(k));
}

export function bearer(token = OPS_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** A yyyy-mm-dd `days` after `now` (UTC), comfortably in the future in any zone. */
export function dateAfter(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

export function hireCreated(now: Date, employeeId = `E-${randomUUID().slice(0, 8)}`, data: Record<string, unknown> = {}) {
  return {
    type: 'hire.created',
    timestamp: now.toISOString(),
    data: {
      employeeId,
      userPrincipalName: 'jane.doe@contoso.com',
      managerUserPrincipalName: 'sam.lee@contoso.com',
      startDate: dateAfter(now, 10),
      timeZone: 'America/New_York',
      activationTime: '08:00',
      ...data,
    },
  };
}

/** Headers signed with the reference library (standardwebhooks), over exactly `body`. */
export function signedHeaders(
  body: string,
  opts: { id?: string; at?: Date; secret?: string; contentType?: string } = {},
): Record<string, string> {
  const id = opts.id ?? `msg_${randomUUID()}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(opts.secret ?? SECRET_A).sign(id, at, body);
  return {
    'content-type': opts.contentType ?? 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

export function makeRecord(employeeId: string, now: Date, over: Partial<OnboardingRecord> = {}): OnboardingRecord {
  const iso = now.toISOString();
  return {
    employeeId,
    onboardingId: `ob-${randomUUID()}`,
    generation: 1,
    rev: 0,
    hire: {
      employeeId,
      userPrincipalName: `${employeeId.toLowerCase()}@contoso.com`,
      startDate: dateAfter(now, 3),
      timeZone: 'Europe/Berlin',
    },
    lastEvent: { eventId: `msg_${employeeId}`, timestamp: iso, seq: 1 },
    status: 'scheduled',
    activationAt: new Date(now.getTime() + 3 * 86_400_000).toISOString(),
    createdAt: iso,
    updatedAt: iso,
    entra: { displayName: 'Jane Doe' },
    steps: pendingSteps(),
    memberships: [],
    tap: null,
    notice: { state: 'pending' },
    reveal: null,
    warnings: [],
    ...over,
  };
}
