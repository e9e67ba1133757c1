import { Queue } from 'bullmq';
import { QUEUES, redisKeys, type OnboardingRecord } from '@hirepass/core';
import { benchPrefix, deletePrefix, liveWorkers, memoryByCategory, newRedis, records, redisCpuMs, type MemoryByCategory } from './bench-redis';
import { benchEmployeeId, enqueueLikeTheApi, hireEvent } from './hires';
import { cpuMs, cpuSpentMs, cpuTimes, kernelPercent, sampleRss, startWorkers, workerEnv } from './processes';
import { until } from './report';
import { SimProcess, type FaultRule } from './sim-process';

export interface RunOptions {
  name: string;
  hires: number;
  processes: number;
  concurrency: number;
  /** Activation instant of hire i; default: now (already due, so the TAP is issued at once). */
  activationAt?: (i: number, now: Date) => Date;
  faults?: FaultRule[];
  throttle?: { writesPerWindow: number; windowMs: number };
  /** Bound on the whole drain; the run stops (and reports) when it is spent. */
  timeoutMs: number;
  /** A drain that makes no progress for this long is stuck: stop and report. */
  stallMs?: number;
  measureRedisMemory?: boolean;
  /** Runs while the simulator still holds the tenant (e.g. its capacity with the same mix). */
  afterDrain?: (sim: SimProcess) => Promise<void>;
  onProgress?: (notified: number, elapsedMs: number) => void;
}

export interface RunResult {
  hires: number;
  processes: number;
  concurrency: number;
  enqueueSeconds: number;
  /** From the first event stored to the last notice recorded as sent (record.notice.sentAt). */
  drainSeconds: number;
  onboardingsPerSecond: number;
  /** When the first notice went out: all hires' steps 1-4 queue ahead of the first activation. */
  firstNoticeSeconds: number;
  notified: number;
  failedJobs: number;
  statuses: Record<string, number>;
  /** Graph calls by operation during the drain (the workers' start-up checks are not in it). */
  graphCounts: Record<string, number>;
  /** Graph calls the workers made at start-up, before the first hire (tenant readiness checks, token). */
  startupGraphCounts: Record<string, number>;
  graphOperations: number;
  graphOperationsPerOnboarding: number;
  /** HTTP requests that carried them: a `$batch` of n operations is one request. */
  graphRequestsPerOnboarding: number;
  /** Operations per `$batch` request, on average (0 when none was sent). */
  meanBatchSize: number;
  workerRss: Awaited<ReturnType<ReturnType<typeof sampleRss>['stop']>>;
  /**
   * CPU time (user + system) of all worker processes from the start of the drain (events
   * stored) to its end, divided by the hires: the figure that holds on a shared machine.
   */
  workerCpuMsPerOnboarding: number;
  /** How much of that CPU time the kernel spent (system calls), in percent. */
  workerKernelPercent: number;
  /** The simulator's CPU per onboarding: what serving its Graph calls cost (Graph's side). */
  simCpuMsPerOnboarding: number;
  /** The Redis server's CPU per onboarding (INFO cpu), over the same span. */
  redisCpuMsPerOnboarding: number;
  /** This process's own CPU per onboarding: storing the events as the API does, and polling for progress. */
  harnessCpuMsPerOnboarding: number;
  workerLogs: { warn: number; error: number; lastErrors: string[] };
  redisMemory?: { byCategory: MemoryByCategory[]; totalBytes: number; bytesPerOnboarding: number; bytesPerOnboardingWithoutTtl: number; bullmqJobBytesPerOnboarding: number };
  records: Array<OnboardingRecord | null>;
  startedAt: number;
}

/**
 * The shared harness: a simulator child with `hires` users, `processes` worker children, the
 * events stored as the API stores them, then wait until every hire's notice is sent (the
 * simulator counts the mails it accepted) or the bound is spent. Everything it starts it stops, and every
 * key under its prefix is deleted.
 */
export async function runOnboardings(o: RunOptions): Promise<RunResult> {
  const sim = await SimProcess.start(o.hires);
  const redis = newRedis();
  const prefix = benchPrefix(o.name);
  const bullConnection = newRedis();
  const events = new Queue(QUEUES.events, { connection: bullConnection, prefix });
  const onboarding = new Queue(QUEUES.onboarding, { connection: bullConnection, prefix });
  const fleet = startWorkers(o.processes, workerEnv(sim.info, prefix, { WORKER_CONCURRENCY: String(o.concurrency) }));
  try {
    if (o.faults) await sim.setFaults(o.faults);
    if (o.throttle) await sim.setThrottle(o.throttle);
    await until('the workers to start', async () => (await liveWorkers(redis, prefix)) >= o.processes, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; worker output: ${fleet.logs.lastErrors.join(' | ')}`);
    });
    // The start-up readiness checks are Graph calls too, once per worker start and not per
    // onboarding: counted apart, from the moment the workers published their report.
    await until('the readiness report', async () => (await redis.exists(redisKeys(prefix).readinessReport)) === 1, 60_000);
    const startupGraphCounts = await sim.counts();
    const rss = sampleRss(fleet.pids);

    const now = new Date();
    const cpuAtStart = await cpuTimes(fleet.pids);
    const simCpuAtStart = await cpuMs([sim.child.pid!]);
    const redisCpuAtStart = await redisCpuMs(redis);
    const harnessCpuAtStart = process.cpuUsage();
    const hires = Array.from({ length: o.hires }, (_, i) => ({ i, event: hireEvent(i, o.activationAt?.(i, now) ?? new Date(now.getTime() - 60_000), now) }));
    const startedAt = Date.now();
    await enqueueLikeTheApi(redis, prefix, events, hires);
    const enqueueSeconds = (Date.now() - startedAt) / 1000;

    let lastProgress = { n: -1, t: Date.now() };
    let failedJobs = 0;
    let polls = 0;
    await until(
      `${o.hires} notices (${o.name})`,
      async () => {
        const sent = await sim.mailCount();
        const t = Date.now();
        if (sent !== lastProgress.n) lastProgress = { n: sent, t };
        if (polls++ % 10 === 0) {
          o.onProgress?.(sent, t - startedAt);
          failedJobs = (await events.getJobCountByTypes('failed')) + (await onboarding.getJobCountByTypes('failed'));
          if (failedJobs > 0) throw new Error(`${failedJobs} jobs failed (${o.name}); last worker errors: ${fleet.logs.lastErrors.join(' | ')}`);
        }
        if (t - lastProgress.t > (o.stallMs ?? 90_000)) {
          const waiting = (await records(redis, prefix, hires.slice(0, 200).map((h) => benchEmployeeId(h.i)))).filter((r) => r && r.notice.state !== 'sent');
          const why = [...new Set(waiting.map((r) => r?.attention?.message ?? r?.status))].slice(0, 3).join(' | ');
          throw new Error(`no notice for ${Math.round((t - lastProgress.t) / 1000)} s at ${sent}/${o.hires} (${o.name}); unfinished records say: ${why}`);
        }
        return sent >= o.hires;
      },
      o.timeoutMs,
      100,
    );
    // A notice counts once its record says so (the simulator counts the mail a moment earlier).
    const ids = hires.map((h) => benchEmployeeId(h.i));
    let recs = await records(redis, prefix, ids);
    recs = await until('every record to say notified', async () => {
      const r = await records(redis, prefix, ids);
      return r.every((x) => x?.notice.state === 'sent') ? r : ((recs = r), null);
    }, 30_000).catch(() => recs);
    const sentAt = recs.map((r) => (r?.notice.sentAt ? Date.parse(r.notice.sentAt) : NaN)).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
    const drainMs = (sentAt[sentAt.length - 1] ?? Date.now()) - startedAt;
    const firstNoticeMs = (sentAt[0] ?? Date.now()) - startedAt;
    const workerRss = await rss.stop();
    const cpuAtEnd = await cpuTimes(fleet.pids);
    const workerCpuMs = cpuSpentMs(cpuAtStart, cpuAtEnd);
    const simCpuMs = (await cpuMs([sim.child.pid!])) - simCpuAtStart;
    const redisCpuMsSpent = (await redisCpuMs(redis)) - redisCpuAtStart;
    const harnessCpu = process.cpuUsage(harnessCpuAtStart);

    const graphCounts = countsSince(startupGraphCounts, await sim.counts());
    const graphOperations = Object.entries(graphCounts)
      .filter(([op]) => op !== 'token' && op !== 'batch' && op !== 'batch.items')
      .reduce((sum, [, n]) => sum + n, 0);
    const batches = graphCounts.batch ?? 0;
    const batchedOperations = graphCounts['batch.items'] ?? 0;
    const graphRequests = graphOperations - batchedOperations + batches;
    const statuses: Record<string, number> = {};
    for (const r of recs) statuses[r?.status ?? 'missing'] = (statuses[r?.status ?? 'missing'] ?? 0) + 1;
    failedJobs = (await events.getJobCountByTypes('failed')) + (await onboarding.getJobCountByTypes('failed'));
    await o.afterDrain?.(sim);
    await fleet.stop();

    let redisMemory: RunResult['redisMemory'];
    if (o.measureRedisMemory) {
      // With the workers gone: no lease or heartbeat left, only what a finished onboarding keeps.
      const byCategory = await memoryByCategory(redis, prefix);
      const totalBytes = byCategory.reduce((s, c) => s + c.bytes, 0);
      const noTtl = byCategory.filter((c) => c.keysWithTtl === 0 && !c.category.includes('job hashes')).reduce((s, c) => s + c.bytes, 0);
      const jobBytes = byCategory.filter((c) => c.category.includes('job hashes')).reduce((s, c) => s + c.bytes, 0);
      redisMemory = {
        byCategory,
        totalBytes,
        bytesPerOnboarding: Math.round(totalBytes / o.hires),
        bytesPerOnboardingWithoutTtl: Math.round(noTtl / o.hires),
        bullmqJobBytesPerOnboarding: Math.round(jobBytes / o.hires),
      };
    }
    return {
      hires: o.hires,
      processes: o.processes,
      concurrency: o.concurrency,
      enqueueSeconds: Number(enqueueSeconds.toFixed(2)),
      drainSeconds: Number((drainMs / 1000).toFixed(2)),
      onboardingsPerSecond: Number((o.hires / (drainMs / 1000)).toFixed(1)),
      firstNoticeSeconds: Number((firstNoticeMs / 1000).toFixed(2)),
      notified: statuses.notified ?? 0,
      failedJobs,
      statuses,
      graphCounts,
      startupGraphCounts,
      graphOperations,
      graphOperationsPerOnboarding: Number((graphOperations / o.hires).toFixed(2)),
      graphRequestsPerOnboarding: Number((graphRequests / o.hires).toFixed(2)),
      meanBatchSize: batches > 0 ? Number((batchedOperations / batches).toFixed(2)) : 0,
      workerRss,
      workerCpuMsPerOnboarding: Number((workerCpuMs / o.hires).toFixed(2)),
      workerKernelPercent: kernelPercent(cpuAtStart, cpuAtEnd),
      simCpuMsPerOnboarding: Number((simCpuMs / o.hires).toFixed(2)),
      redisCpuMsPerOnboarding: Number((redisCpuMsSpent / o.hires).toFixed(2)),
      harnessCpuMsPerOnboarding: Number(((harnessCpu.user + harnessCpu.system) / 1000 / o.hires).toFixed(2)),
      workerLogs: fleet.logs,
      ...(redisMemory ? { redisMemory } : {}),
      records: recs,
      startedAt,
    };
  } finally {
    await fleet.stop();
    await Promise.all([events.close(), onboarding.close()]);
    bullConnection.disconnect();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await sim.stop();
  }
}

/** Calls by operation made after `before` was taken. */
function countsSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) {
    const d = n - (before[op] ?? 0);
    if (d > 0) out[op] = d;
  }
  return out;
}
