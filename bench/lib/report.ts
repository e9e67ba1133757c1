import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Figures and result files shared by every benchmark script. */

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(BENCH_DIR, '..');

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}

export function machine() {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAverage1m: Number((os.loadavg()[0] ?? 0).toFixed(2)),
  };
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles. */
export function distribution(values: number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: s.length,
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(s[s.length - 1] ?? 0),
    mean: round(s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0),
  };
}

export const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(3)) : 0);

export interface Goal {
  name: string;
  value: number;
  goal: string;
  met: boolean;
}

export function goal(name: string, value: number, op: '>=' | '<=', target: number): Goal {
  return { name, value, goal: `${op} ${target}`, met: op === '>=' ? value >= target : value <= target };
}

export function printGoals(goals: Goal[]): void {
  for (const g of goals) say(`  ${g.met ? 'MET ' : 'MISS'} ${g.name} = ${g.value} (goal ${g.goal})`);
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Writes bench/results/<name>.json (git-ignored) and returns its path. */
export async function writeResult(name: string, body: Record<string, unknown>): Promise<string> {
  const out = path.join(BENCH_DIR, 'results', `${name}.json`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), machine: machine(), ...body }, null, 2)}\n`);
  say(`written ${path.relative(REPO_ROOT, out)}`);
  return out;
}

/** Polls until `probe` is truthy; bounded by `timeoutMs` (every loop in bench/ stops by itself). */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
