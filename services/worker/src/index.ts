import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import {
  AuditTrail,
  IssuanceHolds,
  MailboxSlots,
  OnboardingStore,
  PasscodeCipher,
  QUEUES,
  RevealLinks,
  cappedExponentialBackoff,
  createMsGraphGateway,
  redactChildBindings,
  redactingLogOptions,
  startIssuance,
  systemClock,
  withTapPolicyCache,
  withWriteWindow,
  WriteWindow,
  type ApplyHireEventJob,
  type Clock,
  type GraphGateway,
  type OnboardingJob,
  type WorkerConfig,
  type WorkflowPorts,
} from '@hirepass/core';
import { EmployeeLeases, leaseRetryDelayMs } from './employee-lease';
import { handleJobFailure } from './failure-handler';
import { startHeldWakeup } from './held-wakeup';
import { WORKER_LOCKS, type WorkerLocks } from './job-options';
import { ThrottleBackoff } from './throttle-backoff';
import { applyFollowUps } from './follow-ups';
import { startHeartbeat } from './heartbeat';
import { ObservedOnboardingStore, WorkerMetrics, serveMetrics } from './metrics';
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
  /** BullMQ lock and stall settings and the employee lease TTL; defaults in job-options.ts. */
  locks?: Partial<WorkerLocks>;
  /** How often held onboardings are looked for once issuance opens (held-wakeup.ts). */
  heldWakeMs?: number;
}

export interface RunningWorker {
  workerId: string;
  /** Where this worker serves Prometheus metrics (WORKER_METRICS_PORT), or null. */
  metricsUrl: string | null;
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
  // Core's REDACT_PATHS, redacted without pino's `redact` option (about 50 µs a line).
  const redaction = redactingLogOptions({ err: pino.stdSerializers.err });
  const log = redactChildBindings(pino({ level: config.logLevel, ...redaction, base: { service: 'worker', workerId } }, deps.logDestination), redaction);
  const metrics = new WorkerMetrics();
  const jobContext = new AsyncLocalStorage<pino.Logger>();
  // Only the debug lines of Graph calls need the job's logger. An AsyncLocalStorage in use
  // makes Node track every promise (async hooks), which a busy worker pays for on each await:
  // entered only when those lines are written at all.
  const graphCallsLogged = log.isLevelEnabled('debug');
  const inJobContext = <T>(jobLog: pino.Logger, fn: () => Promise<T>): Promise<T> => (graphCallsLogged ? jobContext.run(jobLog, fn) : fn());
  // First, so a port already in use stops the start before anything else is opened.
  const metricsServer = config.metrics ? await serveMetrics(metrics.registry, config.metrics.host, config.metrics.port) : null;
  const ownRedis = !deps.redis;
  // No auto-pipelining: it saved socket writes once, but with $batch and fewer commands per
  // onboarding the pipeline built every tick costs more than it saves (bench/HISTORY.md, fifth
  // session: 9 % more worker CPU per onboarding with it). BullMQ keeps its own connection.
  const redis = deps.redis ?? new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const bullConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  bullConnection.on('error', (err) => log.warn({ err: err.message }, 'redis connection error (BullMQ)'));

  const rawGraph =
    deps.graph ??
    createMsGraphGateway({
      ...config.azure,
      graphBaseUrl: config.graphBaseUrl,
      // A Graph call is logged with the job it belongs to (employeeId, jobId, attempt).
      logger: { debug: (obj, msg) => (jobContext.getStore() ?? log).debug(obj, msg) },
      onCall: metrics.graphCall,
      batchMaxRequests: config.graphBatchSize,
      onBatch: metrics.graphBatch,
    });
  const stores = {
    store: new ObservedOnboardingStore(redis, config.queuePrefix, metrics.recordChanged),
    audit: new AuditTrail(redis, config.queuePrefix, { maxAgeDays: config.auditRetentionDays }),
    links: new RevealLinks(redis, config.queuePrefix),
    cipher: new PasscodeCipher(config.passcodeKeys),
  };
  // Tenant readiness (issue 9): start-up checks, pause, brake and dry-run before every TAP.
  const issuance = startIssuance({ config, graph: rawGraph, redis, clock, log, audit: stores.audit, workerId });
  // Writes in flight narrow after a 429 and widen as writes go through (write-window.ts);
  // at most one per running job of the two queues, so unthrottled nothing ever waits.
  const graph = withWriteWindow(withTapPolicyCache(issuance.graph, config.tapPolicyCacheMs, clock), new WriteWindow(2 * config.concurrency));
  const mailboxSlots = new MailboxSlots(redis, config.queuePrefix, config.noticeMailboxConcurrency);
  const portsFor = (jobLog: pino.Logger): WorkflowPorts => ({ graph, clock, settings: config, log: jobLog, ...stores, issuance: issuance.gate, mailboxSlots });

  const queueOpts = { connection: bullConnection, prefix: config.queuePrefix };
  const onboardingQueue = new Queue(QUEUES.onboarding, queueOpts);
  const eventsQueue = new Queue(QUEUES.events, queueOpts);

  const locks: WorkerLocks = { ...WORKER_LOCKS, ...deps.locks };
  const leases = new EmployeeLeases(redis, config.queuePrefix, locks.leaseTtlMs);
  const throttle = new ThrottleBackoff();
  const holds = new IssuanceHolds(redis, config.queuePrefix);

  const workerOpts = {
    ...queueOpts,
    concurrency: config.concurrency,
    // Stored on each job as "processed by": ops (and the chaos suite) see which process ran it.
    name: workerId,
    // A SIGKILLed worker's job is taken over by another once its lock expires; a crash is
    // never a reason to fail an onboarding, so the stall bound is far above any real count.
    lockDuration: locks.lockDurationMs,
    stalledInterval: locks.stalledIntervalMs,
    maxStalledCount: locks.maxStalledCount,
    // BullMQ's backoff is the one retry layer (the Graph client retries nothing).
    settings: { backoffStrategy: (attemptsMade: number) => cappedExponentialBackoff(attemptsMade) },
    // The limiter is what makes queue.rateLimit() (Graph's Retry-After) hold the whole queue;
    // its own bound is far above what one tenant's Graph allows, so it never limits by itself.
    limiter: { max: 10_000, duration: 1_000 },
  };

  const jobLogger = (job: Job, employeeId: unknown) =>
    log.child({ jobId: job.id, job: job.name, employeeId: typeof employeeId === 'string' ? employeeId : undefined, attempt: job.attemptsMade + 1 });

  /**
   * Runs `work` holding the employee's lease; without it, the job re-delays itself (no attempt
   * spent). A payload without an employeeId runs unleased: its schema check fails it at once.
   */
  async function exclusive<T>(job: Job, token: string | undefined, employeeId: unknown, jobLog: pino.Logger, work: () => Promise<T>): Promise<T> {
    if (typeof employeeId !== 'string') return work();
    const lease = await leases.acquire(employeeId, () => jobLog.warn('employee lease lost while the job ran (expired or taken)'));
    if (!lease) {
      const delayMs = leaseRetryDelayMs();
      jobLog.debug({ delayMs }, 'another job of this employee runs: re-delayed');
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
    try {
      return await work();
    } finally {
      await lease.release();
    }
  }

  const eventsWorker = new Worker<ApplyHireEventJob>(
    QUEUES.events,
    async (job, token) => {
      const employeeId = job.data?.event?.data?.employeeId;
      const jobLog = jobLogger(job, employeeId);
      const ports = portsFor(jobLog);
      return inJobContext(jobLog, () => exclusive(job, token, employeeId, jobLog, async () => {
        try {
          const outcome = await processEventJob(ports, job.name, job.data);
          await applyFollowUps(onboardingQueue, outcome, jobLog);
          throttle.reset();
          jobLog.info({ eventId: job.data.eventId, type: job.data.event.type, note: outcome.note }, 'hire event applied');
          return { note: outcome.note ?? null };
        } catch (err) {
          await handleJobFailure({ err, job, token, queue: eventsQueue, ports, ref: null, throttle, log: jobLog });
          return { note: 'stale' };
        }
      }));
    },
    workerOpts,
  );

  const onboardingWorker = new Worker<OnboardingJob>(
    QUEUES.onboarding,
    async (job, token) => {
      const employeeId = job.data?.employeeId;
      const jobLog = jobLogger(job, employeeId);
      const ports = portsFor(jobLog);
      return inJobContext(jobLog, () => exclusive(job, token, employeeId, jobLog, async () => {
        try {
          const outcome = await processOnboardingJob(ports, job.name, job.data);
          await applyFollowUps(onboardingQueue, outcome, jobLog);
          throttle.reset();
          jobLog.info({ note: outcome.note }, 'job done');
          return { note: outcome.note ?? null };
        } catch (err) {
          // A cancel works on a cancelled record: its failures are recorded there as warnings.
          const refOptions = job.name === 'cancel' ? { allowCancelled: true } : {};
          await handleJobFailure({ err, job, token, queue: onboardingQueue, ports, ref: job.data, refOptions, throttle, log: jobLog, holds });
          return { note: 'stale' };
        }
      }));
    },
    workerOpts,
  );

  for (const w of [eventsWorker, onboardingWorker]) {
    metrics.watch(w, w.name);
    w.on('error', (err) => log.error({ err: err.message }, 'worker error'));
    w.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log.error({ jobId: job.id, job: job.name, reason: err.message }, 'job failed for good');
    });
  }

  // A resume (or a released brake, or a fixed tenant) lets the held passes out within a second.
  const heldWakeup = startHeldWakeup({ holds, isOpen: () => issuance.gate.isOpen(), queue: onboardingQueue, log, everyMs: deps.heldWakeMs });

  const heartbeat = startHeartbeat(redis, config.queuePrefix, workerId, clock, (err) =>
    log.warn({ err: String(err) }, 'heartbeat write failed'),
  );
  await Promise.all([eventsWorker.waitUntilReady(), onboardingWorker.waitUntilReady(), heartbeat.first]);
  log.info({ queues: Object.values(QUEUES), concurrency: config.concurrency, prefix: config.queuePrefix, metricsUrl: metricsServer?.url }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    workerId,
    metricsUrl: metricsServer?.url ?? null,
    close() {
      closing ??= (async () => {
        log.info('worker stopping: no new jobs, waiting for running ones');
        await Promise.all([eventsWorker.close(), onboardingWorker.close()]);
        await heldWakeup.stop();
        await issuance.stop();
        await heartbeat.stop();
        await Promise.all([eventsQueue.close(), onboardingQueue.close()]);
        bullConnection.disconnect();
        if (ownRedis) redis.disconnect();
        await metricsServer?.close();
        log.info('worker stopped');
      })();
      return closing;
    },
  };
}
