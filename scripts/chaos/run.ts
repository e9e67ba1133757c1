/**
 * `npm run chaos`: issue 5's full chaos run. 200 hires (CHAOS_HIRES) through the API and 3
 * worker processes (CHAOS_WORKERS) while a random worker is SIGKILLed every few seconds, the
 * simulated tenant injects 10% 429, 5% 503 and 2% commit-then-fail, and the suite's own Redis
 * restarts once. Prints the counts and exits non-zero on any violated invariant.
 * CHAOS_HIRES, CHAOS_WORKERS, CHAOS_SETTLE_SECONDS (300), CHAOS_KEEP=1 (keep logs and AOF),
 * CHAOS_REDIS_AOF=0 (Redis without persistence: the run must then report lost hires).
 */
import { runChaos } from './chaos-run';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a whole number > 0`);
  return n;
}

async function main(): Promise<void> {
  const hires = intEnv('CHAOS_HIRES', 200);
  const started = Date.now();
  const result = await runChaos({
    hires,
    workers: intEnv('CHAOS_WORKERS', 3),
    kills: { mode: 'interval', everyMs: [3_000, 6_000] },
    activationMinutes: [0, 1],
    postedWhileRedisDown: Math.max(3, Math.round(hires / 20)),
    duplicates: Math.round(hires / 10),
    concurrentDuplicates: Math.max(2, Math.round(hires / 40)),
    lockSeconds: 10,
    retryAfterSeconds: 0.5,
    settleTimeoutMs: intEnv('CHAOS_SETTLE_SECONDS', 300) * 1000,
    keepRunDir: process.env.CHAOS_KEEP === '1',
    // CHAOS_REDIS_AOF=0: a Redis without persistence, to see the suite catch the loss.
    redisPersistence: process.env.CHAOS_REDIS_AOF === '0' ? 'none' : 'aof',
  });
  process.stdout.write(`\nchaos run (${Math.round((Date.now() - started) / 1000)} s):\n`);
  for (const [k, v] of Object.entries(result.counts)) process.stdout.write(`  ${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : v}\n`);
  if (result.violations.length === 0) {
    process.stdout.write('\nevery invariant held\n');
    return;
  }
  process.stdout.write(`\n${result.violations.length} violation(s):\n`);
  for (const v of result.violations.slice(0, 50)) process.stdout.write(`  - ${v}\n`);
  if (result.firstBadAudit) {
    process.stdout.write(`\naudit trail of ${result.firstBadAudit.employeeId}:\n`);
    for (const e of result.firstBadAudit.entries) process.stdout.write(`  ${JSON.stringify(e)}\n`);
  }
  process.stdout.write(`\nlogs and AOF: ${result.runDir}\n`);
  process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
