import { randomBytes, randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  OnboardingStore,
  QUEUES,
  RevealLinks,
  AuditTrail,
  loadApiConfig,
  loadWorkerConfig,
  type ApiConfig,
  type Clock,
  type OnboardingRecord,
  type WorkerConfig,
} from '@hirepass/core';
import { startApi } from '@hirepass/api';
import { startWorker, type RunningWorker } from '@hirepass/worker';
import { startGraphSim, type GraphSim, type GraphSimOptions, workerEnvFor } from '@hirepass/graph-sim';
import { LogSink } from './log-sink';
import { deleteByPrefix } from './redis-dump';
import { signedWebhook } from './signed-webhook';
import { waitFor } from './wait-for';

/**
 * A clock that runs with real time from a chosen point: `setNow(t)` makes it read `t` and go on
 * ticking from there. BullMQ delays are real milliseconds, so a job planned for "activation in
 * 1.5 s" on this clock really runs 1.5 s later, however far in the future the activation is.
 * `advance(ms)` jumps, for what a delayed job would find when it finally runs (e.g. expiry).
 */
export class ShiftedClock implements Clock {
  #offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }
  setNow(at: Date | string | number): void {
    this.#offsetMs = new Date(at).getTime() - Date.now();
  }
  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

export interface ClockedStack {
  sim: GraphSim;
  clock: ShiftedClock;
  apiUrl: string;
  apiConfig: ApiConfig;
  workerConfig: WorkerConfig;
  redis: Redis;
  prefix: string;
  logs: LogSink;
  store: OnboardingStore;
  audit: AuditTrail;
  links: RevealLinks;
  onboardingQueue: Queue;
  /** Signs with the stack's clock (the API checks webhook-timestamp against it). */
  postEvent(body: unknown, opts?: { id?: string }): Promise<Response>;
  ops(path: string, init?: RequestInit): Promise<Response>;
  /** Starts one more worker (the stack starts with one unless `workers: 0`). */
  startWorker(): Promise<RunningWorker>;
  stopWorkers(): Promise<void>;
  record(employeeId: string): Promise<OnboardingRecord | null>;
  waitForRecord(what: string, employeeId: string, ok: (r: OnboardingRecord) => boolean, timeoutMs?: number): Promise<OnboardingRecord>;
  /** Delayed or waiting onboarding jobs of one employee. */
  pendingJobs(employeeId: string): Promise<Job[]>;
  /** Runs the employee's delayed jobs now (time was advanced past them on the clock). */
  promoteDue(employeeId: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The product in one process like tests/helpers/stack.ts, with the time source the code
 * takes as a dependency: the API and every worker share one ShiftedClock.
 */
export async function startClockedStack(
  opts: { sim?: GraphSimOptions; workerEnv?: Record<string, string>; apiEnv?: Record<string, string>; workers?: number; now?: Date } = {},
): Promise<ClockedStack> {
  const clock = new ShiftedClock();
  if (opts.now) clock.setNow(opts.now);
  const sim = await startGraphSim({ port: 0, replicationLagMs: 0, ...opts.sim });
  const prefix = `lc-${randomUUID()}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const opsToken = randomBytes(24).toString('base64url');
  const shared = { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, PASSCODE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'), LOG_LEVEL: 'debug' };
  const logs = new LogSink();
  const apiConfig = loadApiConfig({ ...shared, PORT: '0', HR_WEBHOOK_SECRETS: webhookSecret, OPS_TOKEN: opsToken, ...opts.apiEnv });
  const api = await startApi({ config: apiConfig, logDestination: logs, clock });
  const workerConfig = loadWorkerConfig({
    ...shared,
    PUBLIC_BASE_URL: api.url,
    ...workerEnvFor(sim),
    TAP_POLICY_CACHE_SECONDS: '0',
    ...opts.workerEnv,
  });
  const workers: RunningWorker[] = [];
  const redis = new Redis(redisUrl);
  const store = new OnboardingStore(redis, prefix);
  const onboardingQueue = new Queue(QUEUES.onboarding, { connection: redis, prefix });

  const stack: ClockedStack = {
    sim,
    clock,
    apiUrl: api.url,
    apiConfig,
    workerConfig,
    redis,
    prefix,
    logs,
    store,
    audit: new AuditTrail(redis, prefix),
    links: new RevealLinks(redis, prefix),
    onboardingQueue,
    postEvent(body, o = {}) {
      const { payload, headers } = signedWebhook(webhookSecret, body, { ...o, at: clock.now() });
      return fetch(`${api.url}/webhooks/hr`, { method: 'POST', headers, body: payload });
    },
    ops(path, init = {}) {
      return fetch(`${api.url}${path}`, { ...init, headers: { authorization: `Bearer ${opsToken}`, ...(init.headers ?? {}) } });
    },
    async startWorker() {
      const w = await startWorker({ config: workerConfig, logDestination: logs, clock, workerId: `w${workers.length + 1}-${randomUUID().slice(0, 6)}` });
      workers.push(w);
      return w;
    },
    async stopWorkers() {
      await Promise.all(workers.splice(0).map((w) => w.close()));
    },
    record: (employeeId) => store.get(employeeId),
    waitForRecord(what, employeeId, ok, timeoutMs = 15_000) {
      return waitFor(what, async () => {
        const r = await store.get(employeeId);
        return r && ok(r) ? r : null;
      }, timeoutMs);
    },
    async pendingJobs(employeeId) {
      const jobs = await onboardingQueue.getJobs(['delayed', 'waiting', 'prioritized']);
      return jobs.filter((j) => j?.data?.employeeId === employeeId);
    },
    async promoteDue(employeeId) {
      let n = 0;
      for (const j of await onboardingQueue.getJobs(['delayed'])) {
        if (j?.data?.employeeId !== employeeId) continue;
        await j.promote();
        n++;
      }
      return n;
    },
    async stop() {
      await stack.stopWorkers();
      await onboardingQueue.close();
      await api.close();
      await sim.close();
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    },
  };
  for (let i = 0; i < (opts.workers ?? 1); i++) await stack.startWorker();
  return stack;
}

/** A reveal link's token from a captured notice mail. */
export function tokenFromMail(content: string): string {
  const m = /\/reveal\/([A-Za-z0-9_-]{43})/.exec(content);
  if (!m) throw new Error('no reveal link in the mail');
  return m[1]!;
}
