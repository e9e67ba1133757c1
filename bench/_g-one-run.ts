import { runOnboardings } from './lib/run-onboardings';
const hires = Number(process.env.N ?? 500);
const r = await runOnboardings({ name: 'gprof', hires, processes: Number(process.env.P ?? 1), concurrency: Number(process.env.C ?? 20), timeoutMs: 300_000,
  ...(process.env.LAT ? { faults: [{ kind: 'latency', latencyMs: Number(process.env.LAT) }] } : {}) });
const { records, ...rest } = r;
console.log(JSON.stringify({ ops: rest.onboardingsPerSecond, first: rest.firstNoticeSeconds, drain: rest.drainSeconds, perOnb: rest.graphOperationsPerOnboarding, rss: rest.workerRss.peakMb, timeline: rest.workerRss.timeline, logs: rest.workerLogs }));
process.exit(0);
