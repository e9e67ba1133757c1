import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadApiConfig, loadWorkerConfig, type ApiConfig, type WorkerConfig } from '@hirepass/core';
import { startApi } from '@hirepass/api';
import { startWorker, type WorkerDeps } from '@hirepass/worker';
import { startGraphSim, type GraphSim, type GraphSimOptions, workerEnvFor } from '@hirepass/graph-sim';
import { LogSink } from './log-sink';
import { deleteByPrefix } from './redis-dump';
import { signedWebhook } from './signed-webhook';

export interface Stack {
  sim: GraphSim;
  apiUrl: string;
  apiConfig: ApiConfig;
  workerConfig: WorkerConfig;
  redis: Redis;
  prefix: string;
  logs: LogSink;
  webhookSecret: string;
  opsToken: string;
  postEvent(body: unknown, opts?: { id?: string; at?: Date }): Promise<Response>;
  ops(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * The whole product in one test process: the simulated tenant over HTTPS, the API listening
 * on a free port and a worker, all on real Redis under a prefix of their own, logging at
 * trace level into one sink that tests can search.
 */
export async function startStack(
  opts: { sim?: GraphSimOptions; workerEnv?: Record<string, string>; apiEnv?: Record<string, string>; worker?: Pick<WorkerDeps, 'heldWakeMs'> } = {},
): Promise<Stack> {
  const sim = await startGraphSim({ port: 0, replicationLagMs: 0, ...opts.sim });
  const prefix = `e2e-${randomUUID().slice(0, 8)}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const opsToken = randomBytes(24).toString('base64url');
  const passcodeKey = randomBytes(32).toString('base64');
  const shared = { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, PASSCODE_ENCRYPTION_KEYS: passcodeKey, LOG_LEVEL: 'trace' };
  const logs = new LogSink();

  const apiConfig = loadApiConfig({
    ...shared,
    PORT: '0',
    HR_WEBHOOK_SECRETS: webhookSecret,
    OPS_TOKEN: opsToken,
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    ...opts.apiEnv,
  });
  const api = await startApi({ config: apiConfig, logDestination: logs });
  const workerConfig = loadWorkerConfig({
    ...shared,
    PUBLIC_BASE_URL: api.url,
    ...workerEnvFor(sim),
    ...opts.workerEnv,
  });
  const worker = await startWorker({ config: workerConfig, logDestination: logs, ...opts.worker });
  const redis = new Redis(redisUrl);

  return {
    sim,
    apiUrl: api.url,
    apiConfig,
    workerConfig,
    redis,
    prefix,
    logs,
    webhookSecret,
    opsToken,
    postEvent(body, o) {
      const { payload, headers } = signedWebhook(webhookSecret, body, o);
      return fetch(`${api.url}/webhooks/hr`, { method: 'POST', headers, body: payload });
    },
    ops(path, init = {}) {
      return fetch(`${api.url}${path}`, { ...init, headers: { authorization: `Bearer ${opsToken}`, ...(init.headers ?? {}) } });
    },
    async stop() {
      await worker.close();
      await api.close();
      await sim.close();
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
