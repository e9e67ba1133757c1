import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import {
  OnboardingStore,
  PasscodeCipher,
  RevealLinks,
  loadApiConfig,
  newRevealToken,
  pendingSteps,
  type ApiConfig,
} from '@hirepass/core';
import { buildApp } from '@hirepass/api';
import { LogSink } from '../../helpers/log-sink';
import { deleteByPrefix } from '../../helpers/redis-dump';

/** The API alone (inject, no sockets) on a prefix of its own, with fixtures for reveal links. */
export interface ApiApp {
  app: FastifyInstance;
  redis: Redis;
  prefix: string;
  config: ApiConfig;
  logs: LogSink;
  opsToken: string;
  /** A notified onboarding: record, passcode sealed under `sealWith` (default: the app's first key), active link. */
  notified(employeeId: string, passcode: string, sealWith?: Buffer): Promise<{ token: string; tapId: string }>;
  close(): Promise<void>;
}

export function newKey(): string {
  return randomBytes(32).toString('base64');
}

export async function startApiApp(env: Record<string, string> = {}): Promise<ApiApp> {
  const prefix = `sec-${randomUUID().slice(0, 8)}`;
  const opsToken = randomBytes(24).toString('base64url');
  const config = loadApiConfig({
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'trace',
    HR_WEBHOOK_SECRETS: `whsec_${randomBytes(32).toString('base64')}`,
    PASSCODE_ENCRYPTION_KEYS: newKey(),
    OPS_TOKEN: opsToken,
    ...env,
  });
  const logs = new LogSink();
  const app = await buildApp({ config, logDestination: logs });
  const redis = new Redis(config.redisUrl);
  const store = new OnboardingStore(redis, prefix);
  const links = new RevealLinks(redis, prefix);

  return {
    app,
    redis,
    prefix,
    config,
    logs,
    opsToken,
    async notified(employeeId, passcode, sealWith) {
      const now = new Date();
      const tapId = `tap-${randomUUID()}`;
      const { token, tokenHash } = newRevealToken();
      const validFrom = now.toISOString();
      const expiresAt = new Date(now.getTime() + 8 * 3600_000).toISOString();
      const onboardingId = `ob-${randomUUID()}`;
      await store.create({
        employeeId,
        onboardingId,
        generation: 1,
        rev: 0,
        hire: { employeeId, userPrincipalName: `${employeeId.toLowerCase()}@contoso.com`, startDate: validFrom.slice(0, 10), timeZone: 'UTC' },
        lastEvent: { eventId: `msg_${employeeId}`, timestamp: validFrom, seq: 1 },
        status: 'notified',
        activationAt: validFrom,
        createdAt: validFrom,
        updatedAt: validFrom,
        entra: { displayName: 'New Hire' },
        steps: pendingSteps(),
        memberships: [],
        tap: { id: tapId, startDateTime: validFrom, lifetimeInMinutes: 480, isUsableOnce: false, expiresAt, createdAt: validFrom },
        notice: { state: 'sent', sentAt: validFrom, generation: 1 },
        reveal: { tokenHash, state: 'active' },
        warnings: [],
      });
      const cipher = new PasscodeCipher([sealWith ?? config.passcodeKeys[0]!]);
      await links.sealPasscode(employeeId, tapId, cipher.encrypt(passcode, { employeeId, tapId }), new Date(expiresAt));
      await links.create({
        tokenHash,
        employeeId,
        onboardingId,
        generation: 1,
        tapId,
        displayName: 'New Hire',
        userPrincipalName: `${employeeId.toLowerCase()}@contoso.com`,
        timeZone: 'UTC',
        validFrom,
        expiresAt,
        createdAt: validFrom,
      });
      return { token, tapId };
    },
    async close() {
      await app.close();
      await deleteByPrefix(redis, `${prefix}:`);
      redis.disconnect();
    },
  };
}

/** Opens the reveal page like a browser: its nonce, from the form and the cookie. */
export async function openLink(app: FastifyInstance, token: string, remoteAddress = '127.0.0.1') {
  const res = await app.inject({ method: 'GET', url: `/reveal/${token}`, remoteAddress });
  const field = /name="nonce" value="([^"]+)"/.exec(res.body)?.[1];
  const cookie = res.cookies.find((c) => c.name === 'hirepass_reveal_nonce')?.value;
  return { res, field, cookie };
}

export function press(app: FastifyInstance, token: string, nonce: { field?: string; cookie?: string }, remoteAddress = '127.0.0.1') {
  return app.inject({
    method: 'POST',
    url: `/reveal/${token}`,
    remoteAddress,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(nonce.cookie ? { cookie: `hirepass_reveal_nonce=${nonce.cookie}` } : {}),
    },
    payload: nonce.field ? `nonce=${encodeURIComponent(nonce.field)}` : '',
  });
}
