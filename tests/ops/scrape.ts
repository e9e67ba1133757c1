import type { Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

/** One sample of a Prometheus text body: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format (enough of it for tests: no timestamps, no exemplars). */
export function parseMetrics(body: string): Sample[] {
  const out: Sample[] = [];
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of one series (labels must match exactly the ones given, others ignored); 0 when absent. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit.reduce((sum, s) => sum + s.value, 0);
}

export async function scrape(url: string): Promise<{ body: string; samples: Sample[] }> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  const body = await res.text();
  return { body, samples: parseMetrics(body) };
}

/** The worker logs where it serves metrics (WORKER_METRICS_PORT=0 takes any free port). */
export async function workerMetricsUrl(stack: Stack): Promise<string> {
  return waitFor('the worker metrics URL in its start-up log line', () => {
    for (const line of stack.logs.lines) {
      const entry = JSON.parse(line) as { msg?: string; metricsUrl?: string };
      if (entry.msg === 'worker started' && entry.metricsUrl) return entry.metricsUrl;
    }
    return null;
  });
}
