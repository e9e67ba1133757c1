/**
 * Scaling note (issue 8): onboardings/s with 1, 2 and 4 worker processes (BENCH_CONCURRENCY each,
 * 50 like WORKER_CONCURRENCY's default; no added latency: CPU-bound), and with concurrency 5, 20,
 * 50 and 100 in one process against 50 ms of Graph latency (latency-bound). Short runs of BENCH_SCALING_HIRES hires each.
 *
 *   npx tsx bench/scaling.bench.ts                       (writes bench/results/scaling.json)
 *   BENCH_SCALING_HIRES=300 npx tsx bench/scaling.bench.ts
 */
import { runOnboardings } from './lib/run-onboardings';
import { envInt, ratio, say, writeResult } from './lib/report';

const HIRES = envInt('BENCH_SCALING_HIRES', 1000);
const LATENCY_MS = envInt('BENCH_LATENCY_MS', 50);
const PROCESSES = (process.env.BENCH_SCALING_PROCESSES ?? '1,2,4').split(',').map(Number);
const CONCURRENCIES = (process.env.BENCH_SCALING_CONCURRENCY ?? '5,20,50,100').split(',').map(Number);
const PER_PROCESS = envInt('BENCH_CONCURRENCY', 50);
const TIMEOUT_MS = Math.max(180, HIRES / 2) * 1000;

interface Row {
  processes: number;
  concurrency: number;
  latencyMs: number;
  onboardingsPerSecond: number;
  drainSeconds: number;
  peakRssMbPerProcess: number;
  failedJobs: number;
}

async function row(processes: number, concurrency: number, latencyMs: number): Promise<Row> {
  const r = await runOnboardings({
    name: 'scaling',
    hires: HIRES,
    processes,
    concurrency,
    timeoutMs: TIMEOUT_MS,
    ...(latencyMs ? { faults: [{ kind: 'latency' as const, latencyMs }] } : {}),
  });
  const out = { processes, concurrency, latencyMs, onboardingsPerSecond: r.onboardingsPerSecond, drainSeconds: r.drainSeconds, peakRssMbPerProcess: r.workerRss.peakMb, failedJobs: r.failedJobs };
  say(`  ${processes} process(es) x concurrency ${concurrency}, ${latencyMs} ms latency: ${out.onboardingsPerSecond} onboardings/s (${out.drainSeconds} s), peak RSS ${out.peakRssMbPerProcess} MB`);
  return out;
}

async function main(): Promise<void> {
  say(`scaling: ${HIRES} hires per run`);
  const byProcesses: Row[] = [];
  for (const p of PROCESSES) byProcesses.push(await row(p, PER_PROCESS, 0));
  const byConcurrency: Row[] = [];
  for (const c of CONCURRENCIES) byConcurrency.push(await row(1, c, LATENCY_MS));
  const base = byProcesses[0]?.onboardingsPerSecond ?? 0;
  const cbase = byConcurrency[0]?.onboardingsPerSecond ?? 0;
  say('processes (no latency), speed-up over one: ' + byProcesses.map((r) => `${r.processes}: ${ratio(r.onboardingsPerSecond, base)}x`).join('  '));
  say(`concurrency (${LATENCY_MS} ms latency), speed-up over ${CONCURRENCIES[0]}: ` + byConcurrency.map((r) => `${r.concurrency}: ${ratio(r.onboardingsPerSecond, cbase)}x`).join('  '));
  await writeResult('scaling', {
    bounds: { hires: HIRES, latencyMs: LATENCY_MS },
    figures: {
      byProcesses: byProcesses.map((r) => ({ ...r, speedup: ratio(r.onboardingsPerSecond, base) })),
      byConcurrency: byConcurrency.map((r) => ({ ...r, speedup: ratio(r.onboardingsPerSecond, cbase) })),
    },
  });
}

await main();
process.exit(0);
