import { spawn, type ChildProcess } from 'node:child_process';
import { WORKER_NODE_FLAGS } from '../../services/worker/src/node-flags';
import { workerEnvFor } from '@hirepass/graph-sim';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './report';
import type { SimInfo } from './sim-process';

/** SIGTERM, then SIGKILL after `graceMs`: a benchmark never leaves a process behind. */
export function stopChild(child: ChildProcess, graceMs = 35_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB, from /proc (Linux); null when unreadable. */
export async function rssMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc/<pid>/stat's times (CLK_TCK: 100 on every usual Linux kernel). */
const CLK_TCK = 100;

export interface CpuTimes {
  /** Milliseconds running the process's own code (JavaScript, V8, libuv, OpenSSL). */
  userMs: number;
  /** Milliseconds in the kernel on its behalf (system calls: sockets, files, memory). */
  systemMs: number;
}

/**
 * CPU time some processes have used so far, in ms, summed, from /proc (Linux); an unreadable one
 * counts 0. Rates swing with whatever else shares the cores; CPU time per unit of work moves much
 * less, so the benchmarks report it beside their rates. The kernel's part is kept apart because a
 * sampling profile cannot tell it: on two shared cores, samples taken at a socket write are
 * mostly the process waiting while the peer it woke runs, not CPU it spends.
 */
export async function cpuTimes(pids: number[]): Promise<CpuTimes> {
  const each = await Promise.all(
    pids.map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { userMs: (Number(fields[11]) || 0) * (1000 / CLK_TCK), systemMs: (Number(fields[12]) || 0) * (1000 / CLK_TCK) };
    }),
  );
  return each.reduce((a, b) => ({ userMs: a.userMs + b.userMs, systemMs: a.systemMs + b.systemMs }), { userMs: 0, systemMs: 0 });
}

/** User and system CPU time of some processes so far, in ms, summed (see `cpuTimes`). */
export async function cpuMs(pids: number[]): Promise<number> {
  const t = await cpuTimes(pids);
  return t.userMs + t.systemMs;
}

/** CPU time spent between two readings, user and kernel together, in ms. */
export function cpuSpentMs(before: CpuTimes, after: CpuTimes): number {
  return after.userMs + after.systemMs - (before.userMs + before.systemMs);
}

/** The kernel's share of the CPU time spent between two readings, in percent (NaN if none). */
export function kernelPercent(before: CpuTimes, after: CpuTimes): number {
  const user = after.userMs - before.userMs;
  const system = after.systemMs - before.systemMs;
  return user + system > 0 ? Math.round((100 * system) / (user + system)) : Number.NaN;
}

/** Samples the RSS of some processes every `everyMs` until stopped: peak, first and last sample. */
export function sampleRss(pids: number[], everyMs = 500) {
  const samples: Array<{ t: number; mb: number[] }> = [];
  const started = Date.now();
  const tick = async () => {
    const mb = await Promise.all(pids.map(async (p) => (await rssMb(p)) ?? 0));
    samples.push({ t: Date.now() - started, mb });
  };
  const timer = setInterval(() => void tick(), everyMs);
  void tick();
  return {
    async stop() {
      clearInterval(timer);
      await tick();
      const peakPerProcess = pids.map((_, i) => Math.max(...samples.map((s) => s.mb[i] ?? 0)));
      return {
        samples: samples.length,
        peakMb: Math.max(0, ...peakPerProcess),
        peakPerProcessMb: peakPerProcess,
        firstMb: samples[0]?.mb ?? [],
        lastMb: samples[samples.length - 1]?.mb ?? [],
        /** Max over processes, one point per ~5 s: shows whether RSS grows with the count. */
        timeline: samples.filter((_, i) => i % Math.max(1, Math.round(5000 / everyMs)) === 0).map((s) => ({ s: Math.round(s.t / 1000), mb: Math.max(...s.mb) })),
      };
    },
  };
}

export interface WorkerFleet {
  pids: number[];
  /** Warn/error lines seen on the workers' stdout (pino levels 40/50/60). */
  logs: { warn: number; error: number; lastErrors: string[] };
  stop(): Promise<void>;
}

/** The worker env for one benchmark run: the simulator's tenant, a bench prefix, a fresh key. */
export function workerEnv(sim: SimInfo, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: prefix,
    PASSCODE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    ...workerEnvFor(sim),
    NODE_EXTRA_CA_CERTS: sim.caCertPath,
    LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'warn',
    // The blast-radius brake (issue 9) stops issuance after BRAKE_MAX_TAPS passes in its window:
    // a deliberate acquisition-sized burst is the case where an operator raises it.
    BRAKE_MAX_TAPS: '1000000',
    // e.g. BENCH_WORKER_NODE_OPTIONS=--max-semi-space-size=8 to try V8 heap settings.
    ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
    // BENCH_GRAPH_BATCH_SIZE=1 sends every Graph call on its own (the A/B of $batch).
    ...(process.env.BENCH_GRAPH_BATCH_SIZE ? { GRAPH_BATCH_SIZE: process.env.BENCH_GRAPH_BATCH_SIZE } : {}),
    ...extra,
  };
}

/**
 * `count` worker processes exactly as operators start them (`services/worker/src/main.ts`
 * under tsx, with WORKER_NODE_FLAGS as `npm run start:worker` has them), each with the same env. Ready once each has written its heartbeat.
 */
export function startWorkers(count: number, env: Record<string, string>): WorkerFleet {
  const logs = { warn: 0, error: 0, lastErrors: [] as string[] };
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    // BENCH_WORKER_NODE_ARGS: node flags NODE_OPTIONS refuses, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, ...nodeArgs, '--import', 'tsx', path.join(REPO_ROOT, 'services', 'worker', 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        const level = /"level":(\d+)/.exec(line)?.[1];
        if (level === '40') logs.warn++;
        // Lines without a level are the entry point's own (main.ts): errors, but for its last word.
        else if (level === '50' || level === '60' || (!level && line.trim() && !/SIGTERM|SIGINT|stopped cleanly/.test(line))) {
          logs.error++;
          logs.lastErrors = [...logs.lastErrors.slice(-4), line.slice(0, 400)];
        }
      });
    }
    children.push(child);
  }
  return {
    pids: children.map((c) => c.pid ?? 0),
    logs,
    async stop() {
      await Promise.all(children.map((c) => stopChild(c)));
    },
  };
}
