import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OnboardingStore, loadApiConfig, type OnboardingRecord } from '@hirepass/core';
import { startApi } from '@hirepass/api';
import { startGraphSim, type GraphSim } from '@hirepass/graph-sim';
import { LogSink } from '../helpers/log-sink';
import { deleteByPrefix } from '../helpers/redis-dump';
import { signedWebhook } from '../helpers/signed-webhook';
import { waitFor } from '../helpers/wait-for';
import { revealAsManager, revealTokenIn } from '../../scripts/chaos/manager';
import { ServiceProcess } from '../../scripts/chaos/service-process';

/**
 * Issue 5, graceful shutdown of a worker *process* (`services/worker/src/main.ts`): SIGTERM in
 * the middle of a TAP create. Within WORKER_SHUTDOWN_TIMEOUT_SECONDS the worker takes no new
 * job and finishes the running one, then exits 0; past the bound it is cut (exit 1) and another
 * worker resumes the job from the record. Either way: one TAP, one notice, and the passcode
 * behind the link is the tenant's current one. The create is held open by a latency fault.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('worker shutdown on SIGTERM', () => {
  const prefix = `t-${randomUUID()}`;
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const passcodeKey = randomBytes(32).toString('base64');
  const runDir = mkdtempSync(path.join(tmpdir(), 'hirepass-shutdown-'));
  let sim: GraphSim;
  let api: Awaited<ReturnType<typeof startApi>>;
  let redis: Redis;
  let store: OnboardingStore;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    sim = await startGraphSim({ port: 0, replicationLagMs: 0 });
    const config = loadApiConfig({
      REDIS_URL, QUEUE_PREFIX: prefix, PASSCODE_ENCRYPTION_KEYS: passcodeKey, HR_WEBHOOK_SECRETS: webhookSecret,
      OPS_TOKEN: randomBytes(24).toString('base64url'), PORT: '0', LOG_LEVEL: 'warn',
    });
    api = await startApi({ config, logDestination: new LogSink() });
    redis = new Redis(REDIS_URL);
    store = new OnboardingStore(redis, prefix);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(5_000)));
    sim.control.clearFaults();
  });
  afterAll(async () => {
    await api?.close();
    await sim?.close();
    if (redis) {
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    }
    rmSync(runDir, { recursive: true, force: true });
  });

  async function startWorker(env: Record<string, string>): Promise<ServiceProcess> {
    const w = new ServiceProcess(`worker-${workers.length + 1}`, 'services/worker/src/main.ts', {
      REDIS_URL, QUEUE_PREFIX: prefix, PASSCODE_ENCRYPTION_KEYS: passcodeKey, PUBLIC_BASE_URL: api.url, LOG_LEVEL: 'info',
      AZURE_TENANT_ID: sim.tenantId, AZURE_CLIENT_ID: sim.clientId, AZURE_CLIENT_SECRET: sim.clientSecret,
      AZURE_AUTHORITY_HOST: sim.url, GRAPH_BASE_URL: sim.url, NODE_EXTRA_CA_CERTS: sim.caCertPath,
      TAP_PILOT_GROUP_ID: sim.tapPilotGroupId, WEB_SIGNIN_DEVICE_GROUP_ID: sim.webSignInDeviceGroupId, NOTICE_SENDER_UPN: sim.noticeSenderUpn,
      ...env,
    }, path.join(runDir, `worker-${randomUUID().slice(0, 8)}.log`), runDir);
    workers.push(w);
    await w.waitForLine('worker started', (l) => l.includes('"worker started"'), 60_000);
    return w;
  }

  async function postHire(employeeId: string, upn: string): Promise<void> {
    const event = {
      type: 'hire.created',
      timestamp: new Date().toISOString(),
      data: { employeeId, userPrincipalName: upn, startDate: new Date().toISOString().slice(0, 10), timeZone: 'UTC', activationTime: '00:00' },
    };
    const { payload, headers } = signedWebhook(webhookSecret, event, { id: `evt-${employeeId}` });
    const res = await fetch(`${api.url}/webhooks/hr`, { method: 'POST', headers, body: payload });
    expect(res.status).toBe(202);
  }

  const createInFlight = (employeeId: string) =>
    waitFor(`${employeeId}'s TAP create in flight`, async () => ((await store.get(employeeId))?.tapCreateInFlight ? true : null), 30_000);

  /** The tenant's own view: one current TAP, one notice, and the link reveals that TAP. */
  async function expectExactlyOnce(employeeId: string, upn: string): Promise<{ taps: number; record: OnboardingRecord | null }> {
    const current = sim.control.taps(upn).filter((t) => t.current);
    expect(current, `${upn} holds one current TAP`).toHaveLength(1);
    const mails = sim.control.mails().filter((m) => m.content.includes(upn));
    expect(mails, `${upn} got one notice`).toHaveLength(1);
    const shown = await revealAsManager(api.url, revealTokenIn(mails[0]!.content)!, '127.0.0.1');
    expect(shown).toEqual({ kind: 'revealed', passcode: current[0]!.passcode });
    return { taps: sim.control.taps(upn).length, record: await store.get(employeeId) };
  }

  it('finishes the running job within the bound, exits 0 and takes no new job meanwhile', async () => {
    const w1 = await startWorker({ WORKER_SHUTDOWN_TIMEOUT_SECONDS: '20' });
    sim.control.setFaults([{ kind: 'latency', method: 'POST', pathPattern: 'temporaryAccessPassMethods$', latencyMs: 2_000, count: 1 }]);
    await postHire('E-TERM-1', 'hire03@contoso.com');
    await createInFlight('E-TERM-1');

    w1.signal('SIGTERM');
    const signalledAt = Date.now();
    await w1.waitForLine('shutdown started', (l) => l.includes('taking no new jobs'), 5_000);
    // Posted after the signal: the closing worker must leave it to the next one.
    await postHire('E-TERM-2', 'hire04@contoso.com');
    const exit = await w1.exited;
    expect(exit.code, 'a clean stop').toBe(0);
    expect(exit.at - signalledAt, 'within WORKER_SHUTDOWN_TIMEOUT_SECONDS').toBeLessThan(20_000);

    // The running job finished: its TAP and notice are out, exactly once.
    const first = await expectExactlyOnce('E-TERM-1', 'hire03@contoso.com');
    expect(first.taps).toBe(1);
    expect(first.record?.status).toBe('revealed');
    expect(await store.get('E-TERM-2'), 'no new job was taken after SIGTERM').toBeNull();

    // The next worker picks up what was left, and does nothing again for the first hire.
    await startWorker({});
    await waitFor('E-TERM-2 notified', async () => (await store.get('E-TERM-2'))?.status === 'notified', 30_000);
    await expectExactlyOnce('E-TERM-2', 'hire04@contoso.com');
    expect(sim.control.taps('hire03@contoso.com')).toHaveLength(1);
    expect(sim.control.mails().filter((m) => m.content.includes('hire03@contoso.com'))).toHaveLength(1);
  }, 90_000);

  it('past the bound, exits non-zero and another worker resumes the job without a second effect', async () => {
    const lock = { WORKER_LOCK_SECONDS: '3' };
    const w1 = await startWorker({ ...lock, WORKER_SHUTDOWN_TIMEOUT_SECONDS: '1' });
    // The create is applied by the tenant after 2 s, when the process that sent it is gone.
    sim.control.setFaults([{ kind: 'latency', method: 'POST', pathPattern: 'temporaryAccessPassMethods$', latencyMs: 2_000, count: 1 }]);
    await postHire('E-CUT-1', 'hire05@contoso.com');
    await createInFlight('E-CUT-1');

    w1.signal('SIGTERM');
    await w1.waitForLine('cut at the bound', (l) => l.includes('still running after 1 s'), 10_000);
    const exit = await w1.exited;
    expect(exit.code, 'cut, not a clean stop').toBe(1);

    // The job's lock lapses; another worker takes it over and finds a pass it never got the
    // passcode of: replaced once, deliberately, and audited.
    await startWorker(lock);
    await waitFor('E-CUT-1 notified', async () => (await store.get('E-CUT-1'))?.status === 'notified', 45_000);
    const { taps } = await expectExactlyOnce('E-CUT-1', 'hire05@contoso.com');
    expect(taps, 'the lost-answer pass and its one replacement').toBe(2);
    const trail = await redis.xrange(`${prefix}:audit:E-CUT-1`, '-', '+');
    expect(trail.map(([, f]) => f[f.indexOf('action') + 1])).toContain('tap.replaced-unknown');
  }, 90_000);
});
