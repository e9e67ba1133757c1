/**
 * Calls from cold connections: CALLS Graph reads made at the same moment by a client whose
 * keep-alive pool is empty, as when activations fall due after an idle spell (undici closes
 * idle sockets after 4 s). With `$batch` off each call opens a TLS connection of its own; with
 * it on, the calls share a few envelopes and so a few connections. Prints, per round, the new
 * connections and the CPU both sides spent (the client's, and the simulator's from /proc), and
 * the medians with their ratio. A note for issue 8's activation lag, not a goal.
 *
 *   npx tsx bench/cold-calls.bench.ts                       (writes bench/results/cold-calls.json)
 *   BENCH_COLD_CALLS=50 BENCH_COLD_ROUNDS=5 npx tsx bench/cold-calls.bench.ts
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from './lib/processes';
import { BENCH_DIR, REPO_ROOT, envInt, say, writeResult } from './lib/report';
import { SimProcess } from './lib/sim-process';

const CALLS = envInt('BENCH_COLD_CALLS', 50);
const ROUNDS = envInt('BENCH_COLD_ROUNDS', 5);

interface Round {
  batchSize: number;
  newConnections: number;
  clientCpuMs: number;
  simCpuMs: number;
  wallMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  say(`cold calls: ${CALLS} concurrent Graph reads from an empty connection pool, ${ROUNDS} rounds each with $batch off and on`);
  const sim = await SimProcess.start(1);
  const rounds: Round[] = [];
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'lib', 'cold-calls-client.ts')], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_EXTRA_CA_CERTS: sim.info.caCertPath,
        COLD_SIM_INFO: JSON.stringify(sim.info),
        COLD_SIM_PID: String(sim.child.pid),
        COLD_CALLS: String(CALLS),
        COLD_ROUNDS: String(ROUNDS),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    for await (const line of createInterface({ input: child.stdout! })) rounds.push(JSON.parse(line) as Round);
    await stopChild(child, 5_000);
  } finally {
    await sim.stop();
  }
  // The first two lines are the warm-up rounds.
  const measured = rounds.slice(2);
  const of = (size: number) => measured.filter((r) => r.batchSize === size);
  // CPU per round as the mean over all rounds: the simulator's comes from /proc in 10 ms ticks,
  // too coarse for one round of a few milliseconds.
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const summary = (rs: Round[]) => ({
    rounds: rs.length,
    newConnections: median(rs.map((r) => r.newConnections)),
    clientCpuMs: Number(mean(rs.map((r) => r.clientCpuMs)).toFixed(1)),
    simCpuMs: Number(mean(rs.map((r) => r.simCpuMs)).toFixed(1)),
    wallMs: Number(median(rs.map((r) => r.wallMs)).toFixed(1)),
  });
  const off = summary(of(1));
  const on = summary(of(20));
  for (const [label, s] of [['$batch off', off], ['$batch on ', on]] as const) {
    say(`${label}: ${s.newConnections} new connections (median), CPU per round ${s.clientCpuMs} ms client + ${s.simCpuMs} ms simulator (mean), ${s.wallMs} ms until all ${CALLS} answered (median); ${s.rounds} rounds`);
  }
  const cpuRatio = Number(((on.clientCpuMs + on.simCpuMs) / (off.clientCpuMs + off.simCpuMs)).toFixed(3));
  say(`CPU of both sides with $batch on / off = ${cpuRatio}`);
  await writeResult('cold-calls', { bounds: { calls: CALLS, rounds: ROUNDS }, figures: { off, on, cpuRatio }, goals: [], rounds });
}

main().catch((err: unknown) => {
  say(`cold-calls failed: ${String(err)}`);
  process.exit(1);
});
