import { createRequire } from 'node:module';

/** The slice of autocannon's API the benchmarks use (the package ships no types). */
export interface LoadResult {
  requests: { total: number };
  latency: { p50: number; p90: number; p97_5: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface Instance {
  on(event: 'response', cb: (client: unknown, statusCode: number) => void): void;
  stop(): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: Record<string, unknown>, cb: (err: Error | null, r: LoadResult) => void) => Instance;

export interface LoadRun {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

/**
 * One autocannon run, bounded by `amount` requests and `maxSeconds` (whichever comes first).
 * The rate is ours (requests / wall time), since autocannon's own duration is in whole ticks.
 */
export function load(opts: Record<string, unknown> & { amount: number; connections: number }, maxSeconds: number): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const statuses: Record<string, number> = {};
    const started = performance.now();
    const instance = autocannon({ timeout: 10, ...opts }, (err, r) => {
      clearTimeout(timer);
      if (err) return reject(err);
      const seconds = (performance.now() - started) / 1000;
      resolve({
        requests: r.requests.total,
        seconds: Number(seconds.toFixed(2)),
        requestsPerSecond: Math.round(r.requests.total / seconds),
        latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: Number(r.latency.average.toFixed(2)) },
        statuses,
        errors: r.errors,
        timeouts: r.timeouts,
      });
    });
    instance.on('response', (_c, status) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
    const timer = setTimeout(() => instance.stop(), maxSeconds * 1000);
  });
}
