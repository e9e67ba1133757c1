import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startGraphSim, type GraphSim } from '@hirepass/graph-sim';
import {
  AuditTrail,
  JOBS,
  JOB_RETENTION,
  OnboardingStore,
  PasscodeCipher,
  QUEUES,
  RETRY_POLICY,
  RevealLinks,
  hashRevealToken,
  jobId,
  redisKeys,
  type ApplyHireEventJob,
  type HireEvent,
  type OnboardingRecord,
  type WorkerConfig,
} from '@hirepass/core';
import { startWorker } from '../src/index';

const JANE = { upn: 'jane.doe@contoso.com', id: '45ea88bc-afac-4073-96e9-6bc0d019cf22', deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44', deviceObjectId: 'd4ed7c2d-3a4f-48c6-b61a-a13b68c31954' };

let sim: GraphSim;
let redis: Redis;
let config: WorkerConfig;
let events: Queue;
let worker: { workerId: string; close(): Promise<void> };
let store: OnboardingStore;
const logLines: string[] = [];
let seq = 0;

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Enqueues an event exactly as the API does (ingest contract). */
async function post(event: HireEvent): Promise<string> {
  const eventId = `msg_${randomUUID()}`;
  const data: ApplyHireEventJob = { eventId, seq: ++seq, receivedAt: new Date().toISOString(), event };
  await events.add(JOBS.applyHireEvent.name, data, {
    jobId: jobId('evt', createHash('sha256').update(eventId).digest('hex').slice(0, 32)),
    attempts: RETRY_POLICY.attempts,
    backoff: { type: RETRY_POLICY.backoffType },
    removeOnComplete: { age: JOB_RETENTION.completedAgeSeconds, count: JOB_RETENTION.completedCount },
    removeOnFail: { age: JOB_RETENTION.failedAgeSeconds },
  });
  return eventId;
}

function hire(employeeId: string) {
  return {
    employeeId,
    userPrincipalName: JANE.upn,
    startDate: new Date().toISOString().slice(0, 10),
    timeZone: 'UTC',
    activationTime: '00:00',
    deviceId: JANE.deviceId,
  };
}

const statusIs = (employeeId: string, status: OnboardingRecord['status']) => async () => {
  const r = await store.get(employeeId);
  return r?.status === status ? r : null;
};

beforeAll(async () => {
  sim = await startGraphSim({ port: 0 });
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  config = {
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix: `t-${randomUUID()}`,
    logLevel: 'info',
    publicBaseUrl: 'http://localhost:3000',
    defaultActivationTime: '08:00',
    passcodeKeys: [randomBytes(32)],
    azure: { tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret, authorityHost: sim.url },
    graphBaseUrl: sim.url,
    tapPilotGroupId: sim.tapPilotGroupId,
    webSignInDeviceGroupId: sim.webSignInDeviceGroupId,
    noticeSenderUpn: sim.noticeSenderUpn,
    concurrency: 4,
    noticeMailboxConcurrency: 4,
    graphBatchSize: 20,
    userLookupWindowMs: 60 * 60_000,
    replicationWindowMs: 30 * 60_000,
    tapPolicyCacheMs: 0,
    auditRetentionDays: 400,
    metrics: null,
    shutdownTimeoutMs: 30_000,
    lockMs: 30_000,
  };
  store = new OnboardingStore(redis, config.queuePrefix);
  events = new Queue(QUEUES.events, { connection: redis, prefix: config.queuePrefix });
  const logDestination = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  worker = await startWorker({ config, logDestination, workerId: 'test-worker' });
});

afterEach(() => {
  sim.control.clearFaults();
  sim.control.reset();
});

afterAll(async () => {
  await worker?.close();
  await events?.close();
  if (redis && config) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.queuePrefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
  await sim?.close();
});

describe('worker against the simulator and real Redis', () => {
  it('writes a heartbeat', async () => {
    const raw = await redis.get(redisKeys(config.queuePrefix).workerHeartbeat('test-worker'));
    expect(JSON.parse(raw!)).toMatchObject({ workerId: 'test-worker', pid: process.pid });
    expect(await redis.ttl(redisKeys(config.queuePrefix).workerHeartbeat('test-worker'))).toBeGreaterThan(0);
  });

  it('takes a hire from event to notified: one mail, a working link, a sealed passcode that decrypts to the issued one', async () => {
    const employeeId = `E-${randomUUID().slice(0, 8)}`;
    await post({ type: 'hire.created', timestamp: new Date().toISOString(), data: hire(employeeId) });
    const r = await waitFor('notified', statusIs(employeeId, 'notified'));

    expect(r.steps.user.state).toBe('done');
    expect(r.steps.membership.state).toBe('done');
    expect(r.steps.device.state).toBe('done');
    expect(r.tap).not.toBeNull();

    const mails = sim.control.mails();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['sam.lee@contoso.com']);
    const token = /\/reveal\/([A-Za-z0-9_-]{43})/.exec(mails[0]!.content)?.[1];
    expect(token).toBeTruthy();
    const tokenHash = hashRevealToken(token!);
    expect(r.reveal?.tokenHash).toBe(tokenHash);
    const link = await new RevealLinks(redis, config.queuePrefix).peek(tokenHash, new Date());
    expect(link).toMatchObject({ employeeId, tapId: r.tap!.id, state: 'active' });

    const taps = sim.control.taps(JANE.id);
    expect(taps).toHaveLength(1);
    const passcode = taps[0]!.passcode;
    expect(mails[0]!.content).not.toContain(passcode);
    const sealed = await redis.get(redisKeys(config.queuePrefix).sealedPasscode(employeeId, r.tap!.id));
    expect(new PasscodeCipher(config.passcodeKeys).decrypt(sealed!, { employeeId, tapId: r.tap!.id })).toBe(passcode);

    // Secrets stay out of logs, the record and the audit trail.
    const audit = await new AuditTrail(redis, config.queuePrefix).forEmployee(employeeId);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['onboarding.created', 'membership.added', 'tap.issued', 'notice.sent']));
    for (const text of [logLines.join(''), JSON.stringify(r), JSON.stringify(audit)]) {
      expect(text).not.toContain(passcode);
      expect(text).not.toContain(token!);
    }
  });

  it('a cancellation deletes the TAP and removes the memberships we added', async () => {
    const employeeId = `E-${randomUUID().slice(0, 8)}`;
    await post({ type: 'hire.created', timestamp: new Date(Date.now() - 1000).toISOString(), data: hire(employeeId) });
    const notified = await waitFor('notified', statusIs(employeeId, 'notified'));
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).toContain(JANE.id);
    expect(sim.control.groupMembers(sim.webSignInDeviceGroupId)).toContain(JANE.deviceObjectId);

    await post({ type: 'hire.cancelled', timestamp: new Date().toISOString(), data: { employeeId, reason: 'withdrew' } });
    const r = await waitFor('memberships removed', async () => {
      const x = await store.get(employeeId);
      return x?.status === 'cancelled' && x.memberships.every((m) => !m.addedByUs || m.removedAt) && (x.tapsToRevoke ?? []).length === 0 ? x : null;
    });
    expect(r.memberships.filter((m) => m.addedByUs)).toHaveLength(2);
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).not.toContain(JANE.id);
    expect(sim.control.groupMembers(sim.webSignInDeviceGroupId)).not.toContain(JANE.deviceObjectId);
    expect(sim.control.taps(JANE.id).find((t) => t.id === notified.tap!.id)?.current).toBe(false);
    const link = await new RevealLinks(redis, config.queuePrefix).peek(notified.reveal!.tokenHash, new Date());
    expect(link?.state).toBe('revoked');
  });

  it('a 429 on group add delays the work but does not fail it', async () => {
    sim.control.setFaults([{ kind: 'throttle', method: 'POST', pathPattern: '/members/\\$ref$', retryAfterSeconds: 1, count: 1 }]);
    const employeeId = `E-${randomUUID().slice(0, 8)}`;
    await post({ type: 'hire.created', timestamp: new Date().toISOString(), data: hire(employeeId) });
    const r = await waitFor('notified', statusIs(employeeId, 'notified'));
    expect(Object.values(r.steps).every((s) => s.state === 'done' || s.state === 'skipped')).toBe(true);
    const throttled = sim.control.requests().filter((q) => q.status === 429);
    expect(throttled).toHaveLength(1);
    expect(sim.control.mails()).toHaveLength(1);
  });

  it('a user not provisioned yet delays the job without spending attempts', async () => {
    const employeeId = `E-${randomUUID().slice(0, 8)}`;
    await post({ type: 'hire.created', timestamp: new Date().toISOString(), data: { ...hire(employeeId), userPrincipalName: 'later.hire@contoso.com' } });
    const r = await waitFor('waiting for the user', async () => {
      const x = await store.get(employeeId);
      return x?.steps.user.state === 'pending' && x.steps.user.waitingFor === 'user-not-found' ? x : null;
    });
    expect(r.status).toBe('in_progress');
    const onboarding = new Queue(QUEUES.onboarding, { connection: redis, prefix: config.queuePrefix });
    try {
      const job = await waitFor('delayed prepare job', async () => (await onboarding.getDelayed()).find((j) => j.data.employeeId === employeeId));
      expect(job.name).toBe('prepare');
      expect(job.attemptsMade).toBe(0);
      await job.remove();
    } finally {
      await onboarding.close();
    }
  });

  it('a guest fails the onboarding permanently, with the reason on the step', async () => {
    const employeeId = `E-${randomUUID().slice(0, 8)}`;
    await post({ type: 'hire.created', timestamp: new Date().toISOString(), data: { ...hire(employeeId), userPrincipalName: 'guest_fabrikam.com#EXT#@contoso.com' } });
    const r = await waitFor('failed', statusIs(employeeId, 'failed'));
    expect(r.steps.user).toMatchObject({ state: 'failed', reason: expect.stringContaining('guest') });
    const onboarding = new Queue(QUEUES.onboarding, { connection: redis, prefix: config.queuePrefix });
    try {
      const failed = await waitFor('failed job', async () => (await onboarding.getFailed()).find((j) => j.data.employeeId === employeeId));
      expect(failed.attemptsMade).toBe(1);
    } finally {
      await onboarding.close();
    }
  });

  it('a stale job completes doing nothing', async () => {
    const onboarding = new Queue(QUEUES.onboarding, { connection: redis, prefix: config.queuePrefix });
    try {
      const job = await onboarding.add('activate', { employeeId: 'E-nobody', onboardingId: randomUUID(), generation: 1 }, { jobId: `activate-stale-${randomUUID()}` });
      const done = await waitFor('completed', async () => ((await job.getState()) === 'completed' ? true : null));
      expect(done).toBe(true);
      expect(sim.control.requests()).toHaveLength(0);
    } finally {
      await onboarding.close();
    }
  });
});
