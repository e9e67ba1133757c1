import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { Redis } from 'ioredis';
import { ConfigError, loadWorkerConfig, type WorkerConfig } from '@hirepass/core';
import { startWorker } from './index';

/**
 * `npm run start:worker`: configuration once from the environment (a .env file is a
 * convenience), a one-line refusal when something is missing, then one worker process.
 * Start several for more throughput.
 */

/** How long SIGTERM waits for running jobs before leaving them to the stalled-job check. */
const SHUTDOWN_BOUND_MS = 30_000;

function fail(message: string): never {
  process.stderr.write(`hirepass worker: ${message}\n`);
  process.exit(1);
}

function readConfig(): WorkerConfig {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  try {
    return loadWorkerConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  if (!(await redisAnswers(config.redisUrl))) {
    // The URL may hold a password: name the host only.
    const where = new URL(config.redisUrl).host;
    fail(`no Redis answers at ${where}. Start one with \`redis-server\` or \`docker compose up -d redis\`, or set REDIS_URL to one that runs.`);
  }
  const worker = await startWorker({ config });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`hirepass worker: ${signal}, finishing running jobs (at most ${SHUTDOWN_BOUND_MS / 1000} s)\n`);
    // A job still running at the bound is taken over by another worker once its lock expires;
    // every step resumes from what the record says, so nothing is done twice.
    const bound = setTimeout(() => process.exit(1), SHUTDOWN_BOUND_MS);
    bound.unref();
    worker.close().then(
      () => process.exit(0),
      (err: unknown) => fail(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  fail(err instanceof Error ? err.message : String(err));
});
