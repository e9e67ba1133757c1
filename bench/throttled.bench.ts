/**
 * Throttled throughput (issue 8): the simulator enforces a token bucket on writes (100 per
 * 10 s by default) and the worker must pace itself (Retry-After + its queue-level rate limit),
 * not hammer and fail. Achieved onboardings/s is compared with the best any client could do
 * with that bucket: (writes - bucket size) / refill rate seconds for the whole run, since the
 * bucket starts full.
 *
 *   npx tsx bench/throttled.bench.ts                     (writes bench/results/throttled.json)
 *   BENCH_THROTTLED_HIRES=40 npx tsx bench/throttled.bench.ts
 */
import { runOnboardings } from './lib/run-onboardings';
import { envInt, goal, printGoals, ratio, say, writeResult } from './lib/report';
import type { SimProcess } from './lib/sim-process';

const HIRES = envInt('BENCH_THROTTLED_HIRES', 100);
const WRITES = envInt('BENCH_THROTTLE_WRITES', 100);
const WINDOW_MS = envInt('BENCH_THROTTLE_WINDOW_MS', 10_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 50);

async function main(): Promise<void> {
  const rate = WRITES / (WINDOW_MS / 1000);
  say(`throttled: ${HIRES} hires, bucket ${WRITES} writes per ${WINDOW_MS / 1000} s (${rate}/s), concurrency ${CONCURRENCY}`);
  let log: Awaited<ReturnType<SimProcess['requests']>> = [];
  const run = await runOnboardings({
    name: 'throttled',
    hires: HIRES,
    processes: 1,
    concurrency: CONCURRENCY,
    throttle: { writesPerWindow: WRITES, windowMs: WINDOW_MS },
    // Twice the ideal time plus a minute: pacing that bad is a result worth seeing, not a hang.
    timeoutMs: ((HIRES * 8) / rate) * 2000 + 60_000,
    stallMs: 120_000,
    onProgress: (n, ms) => say(`  ${n}/${HIRES} notified after ${(ms / 1000).toFixed(0)} s`),
    afterDrain: async (sim) => {
      log = await sim.requests();
    },
  });

  // A $batch envelope is not a write of its own: the bucket counts its items, which are in the
  // log one by one.
  const graph = log.filter((e) => e.operation && e.operation !== 'token' && e.operation !== 'batch' && !e.path.startsWith('/_sim'));
  const writes = graph.filter((e) => e.method !== 'GET');
  const throttled = graph.filter((e) => e.status === 429);
  const acceptedWrites = writes.filter((e) => e.status !== 429).length;
  const writesPerOnboarding = acceptedWrites / HIRES;
  const perfectSeconds = Math.max(0, acceptedWrites - WRITES) / rate;
  const achieved = run.onboardingsPerSecond;
  const perfectOnboardingsPerSecond = perfectSeconds > 0 ? HIRES / perfectSeconds : Infinity;
  const figures = {
    onboardingsPerSecond: achieved,
    drainSeconds: run.drainSeconds,
    bucketWritesPerSecond: rate,
    acceptedWritesPerOnboarding: Number(writesPerOnboarding.toFixed(2)),
    steadyStateBoundOnboardingsPerSecond: Number((rate / writesPerOnboarding).toFixed(3)),
    perfectPacingSeconds: Number(perfectSeconds.toFixed(1)),
    ratioToPerfectPacing: ratio(perfectSeconds, run.drainSeconds),
    ratioToSteadyStateBound: ratio(achieved, rate / writesPerOnboarding),
    throttledResponses: throttled.length,
    throttledPerAcceptedWrite: ratio(throttled.length, acceptedWrites),
    failedJobs: run.failedJobs,
    notNotified: HIRES - run.notified,
  };
  const goals = [
    goal('ratio to perfect pacing of the bucket', figures.ratioToPerfectPacing, '>=', 0.9),
    goal('failed or unfinished onboardings', run.failedJobs + figures.notNotified, '<=', 0),
  ];
  say(`${achieved} onboardings/s in ${run.drainSeconds} s; perfect pacing would take ${figures.perfectPacingSeconds} s (${acceptedWrites} writes, bucket ${WRITES} + ${rate}/s)`);
  say(`steady-state bound ${figures.steadyStateBoundOnboardingsPerSecond}/s (rate / ${figures.acceptedWritesPerOnboarding} writes per onboarding): ratio ${figures.ratioToSteadyStateBound} (flattered by the initial full bucket)`);
  say(`429s: ${throttled.length} (${figures.throttledPerAcceptedWrite} per accepted write); worker warnings ${run.workerLogs.warn}, errors ${run.workerLogs.error}; statuses ${JSON.stringify(run.statuses)}`);
  printGoals(goals);
  const { records: _r, ...rest } = run;
  await writeResult('throttled', { bounds: { hires: HIRES, writesPerWindow: WRITES, windowMs: WINDOW_MS, concurrency: CONCURRENCY }, figures, goals, run: rest });
}

await main();
process.exit(0);
