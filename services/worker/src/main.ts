import { ensureRedisOrExit, exitWith, loadWorkerConfig, readConfigOrExit, type WorkerConfig } from '@hirepass/core';
import { startWorker, type RunningWorker } from './index';
import type { WorkerLocks } from './job-options';

/**
 * `npm run start:worker`: configuration once from the environment (a .env file is a
 * convenience), a one-line refusal when something is missing, then one worker process.
 * Start several for more throughput.
 */

async function main(): Promise<void> {
  const config = readConfigOrExit('worker', loadWorkerConfig);
  await ensureRedisOrExit('worker', config.redisUrl);
  const worker = await startWorker({ config, locks: locksFrom(config) });
  onShutdownSignals(worker, config.shutdownTimeoutMs);
}

/**
 * WORKER_LOCK_SECONDS sets BullMQ's job lock and the employee lease together: a SIGKILLed
 * worker's job is taken over once its lock lapses and the next stalled check (half a lock
 * later) sees it, and by then the lease it held has lapsed too.
 */
function locksFrom(config: WorkerConfig): Partial<WorkerLocks> {
  return { lockDurationMs: config.lockMs, stalledIntervalMs: Math.max(1_000, Math.floor(config.lockMs / 2)), leaseTtlMs: config.lockMs };
}

/**
 * SIGTERM (or SIGINT): stop taking jobs and let the running ones finish, for at most
 * WORKER_SHUTDOWN_TIMEOUT_SECONDS. Every step records its progress as it goes, so a job still
 * running at the bound is simply cut: its lock lapses, another worker's stalled-job check
 * takes it over and it resumes from the last recorded step (an in-flight TAP create or
 * sendMail is looked up or flagged, never blindly repeated). A second signal cuts at once.
 */
function onShutdownSignals(worker: RunningWorker, boundMs: number): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      process.stderr.write(`hirepass worker: second ${signal}, stopping now; running jobs are resumed by another worker\n`);
      process.exit(1);
    }
    closing = true;
    process.stderr.write(`hirepass worker: ${signal}, taking no new jobs, finishing running ones (at most ${boundMs / 1000} s)\n`);
    const bound = setTimeout(() => {
      process.stderr.write(`hirepass worker: jobs still running after ${boundMs / 1000} s; stopping, another worker resumes them once their locks lapse\n`);
      process.exit(1);
    }, boundMs);
    bound.unref();
    worker.close().then(
      () => {
        process.stderr.write('hirepass worker: stopped cleanly\n');
        process.exit(0);
      },
      (err: unknown) => exitWith('worker', `shutdown failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  exitWith('worker', err instanceof Error ? err.message : String(err));
});
