import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import {
  AuditTrail,
  OnboardingStore,
  PasscodeCipher,
  QUEUES,
  REDACT_PATHS,
  RevealLinks,
  cappedExponentialBackoff,
  createMsGraphGateway,
  systemClock,
  withTapPolicyCache,
  type ApplyHireEventJob,
  type Clock,
  type GraphGateway,
  type OnboardingJob,
  type WorkerConfig,
  type WorkflowPorts,
} from '@hirepass/core';
import { handleJobFailure } from './failure-handler';
import { applyFollowUps } from './follow-ups';
import { startHeartbeat } from './heartbeat';
import { processEventJob, processOnboardingJob } from './processors';

export interface WorkerDeps {
  config: WorkerConfig;
  /** Used for the stores; BullMQ gets its own connections (it needs maxRetriesPerRequest: null). */
  redis?: Redis;
  clock?: Clock;
  /** Default: the msgraph adapter built from config. */
  graph?: GraphGateway;
  logDestination?: pino.DestinationStream;
  workerId?: string;
}

export interface RunningWorker {
  workerId: string;
  close(): Promise<void>;
}

/**
 * Starts one worker process's share of the work: a BullMQ Worker on each queue, the Graph
 * gateway and stores they use, and the heartbeat. `close()` stops taking jobs, lets running
 * ones finish (their progress is on the record, so a later retry resumes) and disconnects.
 */
export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { config } = deps;
  const workerId = deps.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const clock = deps.clock ?? systemClock;
  const log = pino(
    { level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'worker', workerId } },
    deps.logDestination,
  );
  const ownRedis = !deps.redis;
  const redis = deps.redis ?? new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const bullConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  bullConnection.on('error', (err) => log.warn({ err: err.message }, 'redis connection error (BullMQ)'));

  const graph = withTapPolicyCache(
    deps.graph ??
      createMsGraphGateway({
        ...config.azure,
        graphBaseUrl: config.graphBaseUrl,
        logger: { debug: (obj, msg) => log.debug(obj, msg) },
      }),
    config.tapPolicyCacheMs,
    clock,
  );
  const stores = {
    store: new OnboardingStore(redis, config.queuePrefix),
    audit: new AuditTrail(redis, config.queuePrefix),
    links: new RevealLinks(redis, config.queuePrefix),
    cipher: new PasscodeCipher(config.passcodeKeys),
  };
  const portsFor = (jobLog: pino.Logger): WorkflowPorts => ({ graph, clock, settings: config, log: jobLog, ...stores });

  const queueOpts = { connection: bullConnection, prefix: config.queuePrefix };
  const onboardingQueue = new Queue(QUEUES.onboarding, queueOpts);
  const eventsQueue = new Queue(QUEUES.events, queueOpts);

  const workerOpts = {
    ...queueOpts,
    concurrency: config.concurrency,
    // BullMQ's backoff is the one retry layer (the Graph client retries nothing).
    settings: { backoffStrategy: (attemptsMade: number) => cappedExponentialBackoff(attemptsMade) },
    // The limiter is what makes queue.rateLimit() (Graph's Retry-After) hold the whole queue;
    // its own bound is far above what one tenant's Graph allows, so it never limits by itself.
    limiter: { max: 10_000, duration: 1_000 },
  };

  const jobLogger = (job: Job, employeeId: string | undefined) =>
    log.child({ jobId: job.id, job: job.name, employeeId, attempt: job.attemptsMade + 1 });

  const eventsWorker = new Worker<ApplyHireEventJob>(
    QUEUES.events,
    async (job, token) => {
      const jobLog = jobLogger(job, job.data.event?.data?.employeeId);
      const ports = portsFor(jobLog);
      try {
        const outcome = await processEventJob(ports, job.name, job.data);
        await applyFollowUps(onboardingQueue, outcome, jobLog);
        jobLog.info({ eventId: job.data.eventId, type: job.data.event.type, note: outcome.note }, 'hire event applied');
        return { note: outcome.note ?? null };
      } catch (err) {
        await handleJobFailure({ err, job, token, queue: eventsQueue, ports, ref: null, log: jobLog });
        return { note: 'stale' };
      }
    },
    workerOpts,
  );

  const onboardingWorker = new Worker<OnboardingJob>(
    QUEUES.onboarding,
    async (job, token) => {
      const jobLog = jobLogger(job, job.data.employeeId);
      const ports = portsFor(jobLog);
      try {
        const outcome = await processOnboardingJob(ports, job.name, job.data);
        await applyFollowUps(onboardingQueue, outcome, jobLog);
        jobLog.info({ note: outcome.note }, 'job done');
        return { note: outcome.note ?? null };
      } catch (err) {
        // A cancel works on a cancelled record: its failures are not recorded on it.
        const ref = job.name === 'cancel' ? null : job.data;
        await handleJobFailure({ err, job, token, queue: onboardingQueue, ports, ref, log: jobLog });
        return { note: 'stale' };
      }
    },
    workerOpts,
  );

  for (const w of [eventsWorker, onboardingWorker]) {
    w.on('error', (err) => log.error({ err: err.message }, 'worker error'));
    w.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log.error({ jobId: job.id, job: job.name, reason: err.message }, 'job failed for good');
    });
  }

  const heartbeat = startHeartbeat(redis, config.queuePrefix, workerId, clock, (err) =>
    log.warn({ err: String(err) }, 'heartbeat write failed'),
  );
  await Promise.all([eventsWorker.waitUntilReady(), onboardingWorker.waitUntilReady(), heartbeat.first]);
  log.info({ queues: Object.values(QUEUES), concurrency: config.concurrency, prefix: config.queuePrefix }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    workerId,
    close() {
      closing ??= (async () => {
        log.info('worker stopping: no new jobs, waiting for running ones');
        await Promise.all([eventsWorker.close(), onboardingWorker.close()]);
        await heartbeat.stop();
        await Promise.all([eventsQueue.close(), onboardingQueue.close()]);
        bullConnection.disconnect();
        if (ownRedis) redis.disconnect();
        log.info('worker stopped');
      })();
      return closing;
    },
  };
}
