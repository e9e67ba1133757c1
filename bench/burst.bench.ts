/**
 * Burst drain (issue 8): BENCH_HIRES hires (10,000) all due now, through worker processes
 * against the simulator, first with no added latency, then with 50 ms per Graph call. Also
 * counts Graph operations per onboarding (simulator's counts), samples worker RSS and measures
 * Redis memory per finished onboarding. The bound each drain is compared with is the
 * simulator's own capacity for the same mix of calls, measured in the same run on a fresh
 * simulator of the same size, warmed up, with no worker running.
 *
 *   npx tsx bench/burst.bench.ts                          (writes bench/results/burst.json)
 *   BENCH_HIRES=500 npx tsx bench/burst.bench.ts          (a quick run)
 *   BENCH_WORKERS=2 BENCH_CONCURRENCY=50 npx tsx bench/burst.bench.ts
 */
import { cpuBudget, describeBudget } from './lib/cpu-budget';
import { runOnboardings, type RunResult } from './lib/run-onboardings';
import { measureFreshSimCapacity } from './lib/sim-capacity';
import { envInt, goal, printGoals, ratio, say, writeResult } from './lib/report';

const HIRES = envInt('BENCH_HIRES', 10_000);
const WORKERS = envInt('BENCH_WORKERS', 1);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 50);
const LATENCY_MS = envInt('BENCH_LATENCY_MS', 50);
const CAPACITY_CONNECTIONS = envInt('BENCH_CAPACITY_CONNECTIONS', 20);
const CAPACITY_SECONDS = envInt('BENCH_CAPACITY_SECONDS', 8);
// Bounds: the slowest plausible drain on a busy 2-core machine, with room; a stuck run stops.
const TIMEOUT_MS = envInt('BENCH_TIMEOUT_SECONDS', Math.max(120, HIRES / 5)) * 1000;

const brief = (r: RunResult) => {
  const { records: _records, ...rest } = r;
  return rest;
};

async function main(): Promise<void> {
  say(`burst drain: ${HIRES} hires, ${WORKERS} worker process(es) x concurrency ${CONCURRENCY}`);
  const progress = (label: string) => (n: number, ms: number) => say(`  ${label}: ${n}/${HIRES} notified after ${(ms / 1000).toFixed(0)} s`);

  const plain = await runOnboardings({
    name: 'burst',
    hires: HIRES,
    processes: WORKERS,
    concurrency: CONCURRENCY,
    timeoutMs: TIMEOUT_MS,
    measureRedisMemory: true,
    onProgress: progress('no latency'),
  });
  const latency = await runOnboardings({
    name: 'burst-latency',
    hires: HIRES,
    processes: WORKERS,
    concurrency: CONCURRENCY,
    faults: [{ kind: 'latency', latencyMs: LATENCY_MS }],
    timeoutMs: TIMEOUT_MS * 3,
    onProgress: progress(`${LATENCY_MS} ms latency`),
  });

  // The bound: the simulator alone, on a tenant of the same size that no drain has written to yet.
  const cap = await measureFreshSimCapacity(HIRES, plain.graphCounts, CAPACITY_CONNECTIONS, CAPACITY_SECONDS);
  const ops = plain.graphOperationsPerOnboarding;
  const bound = cap.requestsPerSecond / ops;
  const budget = cpuBudget(plain, bound, 0.5);
  const figures = {
    onboardingsPerSecond: plain.onboardingsPerSecond,
    firstNoticeSeconds: plain.firstNoticeSeconds,
    simCapacityRequestsPerSecond: cap.requestsPerSecond,
    graphOperationsPerOnboarding: ops,
    graphRequestsPerOnboarding: plain.graphRequestsPerOnboarding,
    meanBatchSize: plain.meanBatchSize,
    latencyGraphRequestsPerOnboarding: latency.graphRequestsPerOnboarding,
    boundOnboardingsPerSecond: Number(bound.toFixed(1)),
    ratioToBound: ratio(plain.onboardingsPerSecond, bound),
    workerCpuMsPerOnboarding: plain.workerCpuMsPerOnboarding,
    workerKernelPercent: plain.workerKernelPercent,
    simCpuMsPerOnboarding: plain.simCpuMsPerOnboarding,
    redisCpuMsPerOnboarding: plain.redisCpuMsPerOnboarding,
    harnessCpuMsPerOnboarding: plain.harnessCpuMsPerOnboarding,
    cpuCeilingPerSecond: budget.ceilingPerSecond,
    cpuCeilingToBound: budget.ceilingToBound,
    workerCpuMsForHalfBound: budget.workerMsForTarget,
    latencyOnboardingsPerSecond: latency.onboardingsPerSecond,
    latencyWorkerCpuMsPerOnboarding: latency.workerCpuMsPerOnboarding,
    latencySlowdown: ratio(plain.onboardingsPerSecond, latency.onboardingsPerSecond),
    workerPeakRssMb: Math.max(plain.workerRss.peakMb, latency.workerRss.peakMb),
    redisBytesPerOnboarding: plain.redisMemory?.bytesPerOnboarding ?? 0,
    redisBytesPerOnboardingWithoutTtl: plain.redisMemory?.bytesPerOnboardingWithoutTtl ?? 0,
  };
  const goals = [
    goal('ratio to the simulator bound (no latency)', figures.ratioToBound, '>=', 0.5),
    goal('slowdown with 50 ms latency (x)', figures.latencySlowdown, '<=', 2),
    goal('Graph operations per onboarding', ops, '<=', 7),
    goal('worker peak RSS (MB)', figures.workerPeakRssMb, '<=', 250),
    goal('failed onboardings', plain.failedJobs + latency.failedJobs + (HIRES - plain.notified) + (HIRES - latency.notified), '<=', 0),
  ];

  say(`no latency:   ${plain.onboardingsPerSecond} onboardings/s (first notice after ${plain.firstNoticeSeconds} s) in ${plain.drainSeconds} s, ${plain.workerCpuMsPerOnboarding} ms worker CPU per onboarding (${plain.workerKernelPercent} % of it in the kernel; simulator ${plain.simCpuMsPerOnboarding} ms); statuses ${JSON.stringify(plain.statuses)}`);
  say(`${LATENCY_MS} ms latency: ${latency.onboardingsPerSecond} onboardings/s (first notice after ${latency.firstNoticeSeconds} s) in ${latency.drainSeconds} s, ${latency.workerCpuMsPerOnboarding} ms worker CPU per onboarding (${latency.workerKernelPercent} % of it in the kernel; simulator ${latency.simCpuMsPerOnboarding} ms); statuses ${JSON.stringify(latency.statuses)}`);
  say(`simulator capacity, same mix ${JSON.stringify(cap.mix)}: ${cap.requestsPerSecond} req/s (p99 ${cap.latencyMs.p99} ms, answers ${JSON.stringify(cap.statuses)}) -> bound ${figures.boundOnboardingsPerSecond} onboardings/s`);
  say(describeBudget(plain, budget));
  say(`Graph operations per onboarding: ${ops}  ${JSON.stringify(plain.graphCounts)}; once at worker start: ${JSON.stringify(plain.startupGraphCounts)}`);
  say(`HTTP requests to Graph per onboarding: ${plain.graphRequestsPerOnboarding} (no latency; ${plain.meanBatchSize} operations per $batch), ${latency.graphRequestsPerOnboarding} (latency; ${latency.meanBatchSize} per $batch)`);
  say(`worker RSS peak ${plain.workerRss.peakMb} MB (no latency), ${latency.workerRss.peakMb} MB (latency)`);
  if (plain.redisMemory) {
    say(`Redis: ${plain.redisMemory.bytesPerOnboarding} B per finished onboarding, ${plain.redisMemory.bytesPerOnboardingWithoutTtl} B of it in keys that never expire`);
    for (const c of plain.redisMemory.byCategory) say(`  ${c.category.padEnd(40)} ${String(c.keys).padStart(7)} keys ${String(Math.round(c.bytes / HIRES)).padStart(7)} B/onboarding${c.keysWithTtl ? ` (${c.keysWithTtl} with TTL)` : ''}`);
  }
  printGoals(goals);
  await writeResult('burst', {
    bounds: { hires: HIRES, workers: WORKERS, concurrency: CONCURRENCY, latencyMs: LATENCY_MS, timeoutSeconds: TIMEOUT_MS / 1000 },
    figures,
    goals,
    simCapacity: cap,
    noLatency: brief(plain),
    withLatency: brief(latency),
  });
}

await main();
process.exit(0);
