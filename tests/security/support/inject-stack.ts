import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { QUEUES, loadApiConfig, loadWorkerConfig, type ApiConfig } from '@hirepass/core';
import { buildApp } from '@hirepass/api';
import { startWorker, type RunningWorker } from '@hirepass/worker';
import { startGraphSim, type GraphSim, workerEnvFor } from '@hirepass/graph-sim';
import { LogSink } from '../../helpers/log-sink';
import { deleteByPrefix } from '../../helpers/redis-dump';

/**
 * The API as an in-process app (so tests can `inject()` with any client address) beside a real
 * worker and the simulated tenant, on one Redis prefix. Whatever the API stored would be picked
 * up by the worker and turn into Graph calls, so "nothing stored" is checked twice: in Redis and
 * in the simulator's request log.
 */
export interface InjectStack {
  app: FastifyInstance;
  sim: GraphSim;
  worker: RunningWorker;
  redis: Redis;
  prefix: string;
  config: ApiConfig;
  secrets: { current: string; previous: string };
  logs: LogSink;
  queues: Queue[];
  /** Keys that hold data (everything but counters, worker heartbeats and BullMQ's own bookkeeping). */
  dataKeys(): Promise<string[]>;
  /** Jobs in either queue, in any state. */
  jobCount(): Promise<number>;
  /** Graph calls made for some hire (not the worker's own start-up checks of the tenant). */
  hireCalls(): ReturnType<GraphSim['control']['requests']>;
  stop(): Promise<void>;
}

/**
 * Keys a quiet system writes by itself: counters that expire, worker heartbeats, the worker's
 * own tenant readiness report, BullMQ queue metadata. None holds anything a request sent.
 */
export function isBookkeepingKey(prefix: string, key: string): boolean {
  if (['rate-limit', 'worker', 'readiness'].some((ns) => key.startsWith(`${prefix}:${ns}:`))) return true;
  return Object.values(QUEUES).some((q) => key === `${prefix}:${q}:meta` || key === `${prefix}:${q}:stalled-check`);
}

export async function startInjectStack(apiEnv: Record<string, string> = {}): Promise<InjectStack> {
  const sim = await startGraphSim({ port: 0, replicationLagMs: 0 });
  const prefix = `sec-${randomUUID().slice(0, 8)}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const secrets = {
    current: `whsec_${randomBytes(32).toString('base64')}`,
    previous: `whsec_${randomBytes(32).toString('base64')}`,
  };
  const shared = { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, PASSCODE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'), LOG_LEVEL: 'debug' };
  const logs = new LogSink();
  const config = loadApiConfig({
    ...shared,
    HR_WEBHOOK_SECRETS: `${secrets.current},${secrets.previous}`,
    OPS_TOKEN: randomBytes(24).toString('base64url'),
    ...apiEnv,
  });
  const app = await buildApp({ config, logDestination: logs });
  const worker = await startWorker({
    config: loadWorkerConfig({
      ...shared,
      ...workerEnvFor(sim),
    }),
    logDestination: logs,
  });
  const redis = new Redis(redisUrl);
  const queues = Object.values(QUEUES).map((q) => new Queue(q, { connection: redis, prefix }));

  async function allKeys(): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out.sort();
  }

  return {
    app,
    sim,
    worker,
    redis,
    prefix,
    config,
    secrets,
    logs,
    queues,
    async dataKeys() {
      return (await allKeys()).filter((k) => !isBookkeepingKey(prefix, k));
    },
    async jobCount() {
      let n = 0;
      for (const q of queues) {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');
        n += Object.values(counts).reduce((a, b) => a + b, 0);
      }
      return n;
    },
    hireCalls() {
      const sender = encodeURIComponent(sim.noticeSenderUpn).toLowerCase();
      return sim.control.requests().filter((r) => {
        if (!/^(users\.|tap\.|groups\.members\.|devices\.|directoryObjects\.|sendMail|intune\.managedDevices)/.test(r.operation ?? '')) return false;
        // The worker's start-up check looks at the notice mailbox: that is no hire.
        return !r.path.toLowerCase().includes(`/users/${sender}`);
      });
    },
    async stop() {
      await worker.close();
      await app.close();
      await sim.close();
      for (const q of queues) await q.close();
      await deleteByPrefix(redis, `${prefix}:`);
      redis.disconnect();
    },
  };
}
