import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from '@hirepass/core';
import { freePort } from './free-port';
import { OwnRedis } from './own-redis';
import { waitUntil } from './poll';
import { ServiceProcess } from './service-process';
import { SimControlClient, type SimConnection } from './sim-control';

export interface StackOptions {
  runDir: string;
  /** Worker processes to keep running. */
  workers: number;
  /** WORKER_LOCK_SECONDS: how soon a killed worker's job is taken over. */
  lockSeconds: number;
  /** The simulator's replication lag (policy refusal right after a group add). */
  replicationLagMs: number;
  /** 'none' only to show that the suite catches what a Redis without AOF loses. */
  redisPersistence?: 'aof' | 'none';
  log: (line: string) => void;
}

/**
 * The whole product as separate processes on one machine, as in production: an own
 * redis-server (AOF), the simulated tenant, the API and N workers, all on loopback. Workers can
 * be killed and replaced; Redis can be restarted.
 */
export class ChaosStack {
  readonly prefix = 'chaos';
  readonly webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  readonly opsToken = randomBytes(24).toString('base64url');
  readonly #passcodeKey = randomBytes(32).toString('base64');
  redis!: OwnRedis;
  sim!: ServiceProcess;
  simControl!: SimControlClient;
  api!: ServiceProcess;
  apiUrl = '';
  readonly workers: ServiceProcess[] = [];
  /** Every worker process ever started, the killed ones included (for the log scan). */
  readonly allWorkers: ServiceProcess[] = [];
  #workerSeq = 0;
  readonly #ready = new Set<ServiceProcess>();
  readonly #starting = new Set<Promise<unknown>>();

  constructor(readonly opts: StackOptions) {}

  async start(): Promise<void> {
    const { runDir } = this.opts;
    this.redis = await OwnRedis.start(path.join(runDir, 'redis'), this.opts.redisPersistence);
    this.opts.log(`redis-server on ${this.redis.url} (${this.redis.persistence === 'aof' ? 'AOF everysec' : 'NO persistence'}, dir ${this.redis.dir})`);

    // The simulator and the API do not need each other: started side by side.
    const simDir = path.join(runDir, 'graph-sim');
    const [simPort, apiPort] = [await freePort(), await freePort()];
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.sim = new ServiceProcess('graph-sim', 'services/graph-sim/src/main.ts', {
      GRAPH_SIM_PORT: String(simPort),
      GRAPH_SIM_DATA_DIR: simDir,
      GRAPH_SIM_REPLICATION_LAG_MS: String(this.opts.replicationLagMs),
    }, path.join(runDir, 'graph-sim.log'), runDir);
    this.api = new ServiceProcess('api', 'services/api/src/main.ts', {
      ...this.#shared(),
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      HR_WEBHOOK_SECRETS: this.webhookSecret,
      OPS_TOKEN: this.opsToken,
      // The suite is one client address sending hundreds of hires and their retries.
      HR_WEBHOOK_RATE_LIMIT_PER_MINUTE: '1000000',
    }, path.join(runDir, 'api.log'), runDir);
    const connFile = path.join(simDir, 'connection.json');
    await Promise.all([
      this.sim.waitForLine('listening', (l) => l.includes('listening on'), 60_000).then(() =>
        waitUntil('connection.json', () => existsSync(connFile), { timeoutMs: 10_000, intervalMs: 50 }),
      ),
      waitUntil('the API /readyz', async () => (await fetch(`${this.apiUrl}/readyz`)).status === 200, { timeoutMs: 60_000, intervalMs: 100 }),
    ]);
    this.simControl = new SimControlClient(JSON.parse(readFileSync(connFile, 'utf8')) as SimConnection);
    this.opts.log(`graph-sim on ${this.simControl.conn.baseUrl}, API on ${this.apiUrl}`);

    await Promise.all(Array.from({ length: this.opts.workers }, () => this.startWorker()));
    this.opts.log(`${this.opts.workers} worker processes started`);
  }

  #shared(): Record<string, string> {
    return {
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: this.prefix,
      PASSCODE_ENCRYPTION_KEYS: this.#passcodeKey,
      PUBLIC_BASE_URL: this.apiUrl,
      LOG_LEVEL: 'info',
    };
  }

  /**
   * Starts one more worker process. A worker refuses to start while Redis is down (one clear
   * line, exit 1): a replacement started during the Redis restart is started again once Redis answers.
   */
  async startWorker(): Promise<ServiceProcess> {
    for (let attempt = 1; ; attempt++) {
      const w = this.#spawnWorker();
      try {
        await w.waitForLine('worker started', (l) => l.includes('"worker started"'), 60_000);
        this.#ready.add(w);
        return w;
      } catch (err) {
        this.workers.splice(this.workers.indexOf(w), 1);
        if (w.running || attempt >= 5) throw err;
        await waitUntil('Redis answering again', () => this.redis.answers(), { timeoutMs: 60_000, intervalMs: 100 });
      }
    }
  }

  #spawnWorker(): ServiceProcess {
    const c = this.simControl.conn;
    const name = `worker-${++this.#workerSeq}`;
    const w = new ServiceProcess(name, 'services/worker/src/main.ts', {
      ...this.#shared(),
      AZURE_TENANT_ID: c.tenantId,
      AZURE_CLIENT_ID: c.clientId,
      AZURE_CLIENT_SECRET: c.clientSecret,
      AZURE_AUTHORITY_HOST: c.baseUrl,
      GRAPH_BASE_URL: c.baseUrl,
      TAP_PILOT_GROUP_ID: c.tapPilotGroupId,
      WEB_SIGNIN_DEVICE_GROUP_ID: c.webSignInDeviceGroupId,
      NOTICE_SENDER_UPN: c.noticeSenderUpn,
      NODE_EXTRA_CA_CERTS: c.caCertPath,
      WORKER_LOCK_SECONDS: String(this.opts.lockSeconds),
      WORKER_SHUTDOWN_TIMEOUT_SECONDS: '10',
    }, path.join(this.opts.runDir, `${name}.log`), this.opts.runDir);
    this.workers.push(w);
    this.allWorkers.push(w);
    return w;
  }

  /**
   * Workers running an onboarding job right now, from BullMQ's "processed by" (the worker's
   * id holds its pid): a SIGKILL aimed at one of them lands mid-step, not on an idle process.
   */
  async busyWorkers(): Promise<ServiceProcess[]> {
    const connection = new Redis(this.redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    connection.on('error', () => {});
    const queue = new Queue(QUEUES.onboarding, { connection, prefix: this.prefix });
    try {
      const pids = new Set((await queue.getActive()).map((j) => /-(\d+)-[0-9a-f]{8}$/.exec(j.processedBy ?? '')?.[1]).filter(Boolean).map(Number));
      return this.readyWorkers().filter((w) => w.pid !== undefined && pids.has(w.pid));
    } finally {
      await queue.close().catch(() => {});
      connection.disconnect();
    }
  }

  /** Workers that are up and taking jobs. */
  readyWorkers(): ServiceProcess[] {
    return this.workers.filter((w) => this.#ready.has(w) && w.running);
  }

  /**
   * SIGKILLs one worker (no chance to finish or record anything) and starts a replacement in
   * the background, as a process supervisor would; `stop()` waits for replacements still starting.
   */
  async kill(victim: ServiceProcess): Promise<void> {
    this.#ready.delete(victim);
    victim.signal('SIGKILL');
    await victim.exited;
    this.workers.splice(this.workers.indexOf(victim), 1);
    const replacement = this.startWorker();
    this.#starting.add(replacement);
    void replacement.then(
      () => this.#starting.delete(replacement),
      (err: unknown) => {
        this.#starting.delete(replacement);
        this.opts.log(`a replacement worker did not start: ${String(err)}`);
      },
    );
  }

  ops<T>(p: string): Promise<T> {
    return fetch(`${this.apiUrl}${p}`, { headers: { authorization: `Bearer ${this.opsToken}` } }).then(async (res) => {
      if (res.status !== 200) throw new Error(`GET ${p}: ${res.status}`);
      return (await res.json()) as T;
    });
  }

  logFiles(): string[] {
    return [this.sim, this.api, ...this.allWorkers].filter(Boolean).map((p) => p.logFile);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.#starting]);
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.api?.stop();
    await this.sim?.stop();
    await this.redis?.close();
  }
}
