/**
 * `npm run bench`: every benchmark in turn, each in a process of its own (so one's heap and
 * event loop do not colour the next), then one summary of the goals. Each script bounds its
 * own time and load; this adds an outer bound per script. Scale down with the BENCH_* variables
 * each script documents (e.g. BENCH_HIRES=1000 BENCH_LAG_HIRES=200 for a quick pass).
 *
 *   npm run bench                                        (writes bench/results/*.json and summary.json)
 *   npm run bench -- burst throttled                     (only those)
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BENCH_DIR, REPO_ROOT, machine, say, writeResult, type Goal } from './lib/report';

const SCRIPTS: Array<{ name: string; file: string; result: string; boundMinutes: number }> = [
  { name: 'graph-sim', file: 'graph-sim.bench.ts', result: 'graph-sim', boundMinutes: 5 },
  { name: 'ingest', file: 'ingest.bench.ts', result: 'ingest', boundMinutes: 5 },
  { name: 'burst', file: 'burst.bench.ts', result: 'burst', boundMinutes: 60 },
  { name: 'throttled', file: 'throttled.bench.ts', result: 'throttled', boundMinutes: 15 },
  { name: 'activation-lag', file: 'activation-lag.bench.ts', result: 'activation-lag', boundMinutes: 20 },
  { name: 'scaling', file: 'scaling.bench.ts', result: 'scaling', boundMinutes: 30 },
  { name: 'cold-calls', file: 'cold-calls.bench.ts', result: 'cold-calls', boundMinutes: 5 },
];

function runScript(file: string, boundMinutes: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, file)], { cwd: REPO_ROOT, stdio: 'inherit' });
    const bound = setTimeout(() => {
      say(`${file}: over its ${boundMinutes} min bound, stopped`);
      child.kill('SIGTERM');
    }, boundMinutes * 60_000);
    child.once('exit', (code) => {
      clearTimeout(bound);
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const chosen = only.length ? SCRIPTS.filter((s) => only.includes(s.name)) : SCRIPTS;
  say(`hirepass benchmarks on ${JSON.stringify(machine())}`);
  const outcomes: Array<{ name: string; exitCode: number; seconds: number; goals: Goal[] }> = [];
  for (const s of chosen) {
    say(`\n=== ${s.name} ===`);
    const started = Date.now();
    const exitCode = await runScript(s.file, s.boundMinutes);
    let goals: Goal[] = [];
    try {
      const body = JSON.parse(await readFile(path.join(BENCH_DIR, 'results', `${s.result}.json`), 'utf8')) as { at?: string; goals?: Goal[] };
      // A result file older than this run is an earlier run's: do not report its goals.
      if (body.at && Date.parse(body.at) >= started) goals = body.goals ?? [];
    } catch {
      // No result: the script failed before writing one (its exit code says so).
    }
    outcomes.push({ name: s.name, exitCode, seconds: Math.round((Date.now() - started) / 1000), goals });
  }
  say('\n=== summary ===');
  for (const o of outcomes) {
    say(`${o.name.padEnd(16)} exit ${o.exitCode}  ${o.seconds} s`);
    for (const g of o.goals) say(`  ${g.met ? 'MET ' : 'MISS'} ${g.name} = ${g.value} (goal ${g.goal})`);
  }
  await writeResult('summary', { outcomes });
  process.exit(outcomes.every((o) => o.exitCode === 0) ? 0 : 1);
}

await main();
