/**
 * Activation lag (issue 8): BENCH_LAG_HIRES hires (1,000) whose activation instants fall on the
 * next BENCH_LAG_MINUTES whole minutes (the HR contract has minute resolution, so each minute's
 * hires fall due together, the way 08:00 on a Monday does). Lag from each instant to the TAP's
 * createdDateTime (Graph's clock) and to the notice (record.notice.sentAt). Goal p99 <= 2 s.
 *
 *   npx tsx bench/activation-lag.bench.ts                (writes bench/results/activation-lag.json)
 *   BENCH_LAG_HIRES=100 BENCH_LAG_MINUTES=1 npx tsx bench/activation-lag.bench.ts
 */
import { runOnboardings } from './lib/run-onboardings';
import { distribution, envInt, goal, printGoals, say, writeResult } from './lib/report';

const HIRES = envInt('BENCH_LAG_HIRES', 1000);
const MINUTES = Math.max(1, envInt('BENCH_LAG_MINUTES', 5));
const WORKERS = envInt('BENCH_WORKERS', 1);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 50);
// Lead time before the first instant, so every hire's steps 1-4 are done by then.
const LEAD_SECONDS = envInt('BENCH_LAG_LEAD_SECONDS', 60);

async function main(): Promise<void> {
  let first = 0;
  const run = await runOnboardings({
    name: 'lag',
    hires: HIRES,
    processes: WORKERS,
    concurrency: CONCURRENCY,
    activationAt: (i, now) => {
      first ||= Math.ceil((now.getTime() + LEAD_SECONDS * 1000) / 60_000) * 60_000;
      return new Date(first + (i % MINUTES) * 60_000);
    },
    timeoutMs: (LEAD_SECONDS + 60 + MINUTES * 60 + 120) * 1000,
    stallMs: (LEAD_SECONDS + 120) * 1000,
    onProgress: (n, ms) => say(`  ${n}/${HIRES} notified after ${(ms / 1000).toFixed(0)} s`),
  });
  const tapLag: number[] = [];
  const noticeLag: number[] = [];
  let early = 0;
  for (const r of run.records) {
    if (!r?.tap || !r.notice.sentAt) continue;
    const at = Date.parse(r.activationAt);
    const tap = Date.parse(r.tap.createdAt) - at;
    if (tap < 0) early++;
    tapLag.push(tap);
    noticeLag.push(Date.parse(r.notice.sentAt) - at);
  }
  const tap = distribution(tapLag);
  const notice = distribution(noticeLag);
  const goals = [
    goal('lag to TAP created, p99 (ms)', tap.p99, '<=', 2000),
    goal('lag to notice sent, p99 (ms)', notice.p99, '<=', 2000),
    goal('passes created before their instant', early, '<=', 0),
    goal('onboardings not notified', HIRES - notice.count, '<=', 0),
  ];
  say(`${HIRES} hires over ${MINUTES} instant(s), ${Math.ceil(HIRES / MINUTES)} per instant; ${WORKERS} worker(s) x ${CONCURRENCY}`);
  say(`lag to TAP created (ms): p50 ${tap.p50}  p95 ${tap.p95}  p99 ${tap.p99}  max ${tap.max}`);
  say(`lag to notice sent (ms): p50 ${notice.p50}  p95 ${notice.p95}  p99 ${notice.p99}  max ${notice.max}`);
  printGoals(goals);
  const { records: _r, ...rest } = run;
  await writeResult('activation-lag', {
    bounds: { hires: HIRES, minutes: MINUTES, perInstant: Math.ceil(HIRES / MINUTES), workers: WORKERS, concurrency: CONCURRENCY },
    figures: { tapCreatedLagMs: tap, noticeSentLagMs: notice, createdBeforeInstant: early },
    goals,
    run: rest,
  });
}

await main();
process.exit(0);
