import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { Redis } from 'ioredis';
import { ConfigError, loadApiConfig, type ApiConfig } from '@hirepass/core';
import { startApi } from './server';

/**
 * `npm run start:api`: configuration once from the environment (a .env file is a
 * convenience), a clear one-line refusal when something is missing, then the server.
 */

function fail(message: string): never {
  process.stderr.write(`hirepass api: ${message}\n`);
  process.exit(1);
}

function readConfig(): ApiConfig {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  try {
    return loadApiConfig(process.env);
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
  const api = await startApi({ config });
  api.app.log.info({ url: api.url }, `hirepass api listening on ${api.url}`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    api.app.log.info({ signal }, 'shutting down');
    api.close().then(
      () => process.exit(0),
      (err) => {
        api.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  fail(err instanceof Error ? err.message : String(err));
});
