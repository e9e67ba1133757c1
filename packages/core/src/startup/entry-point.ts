import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { Redis } from 'ioredis';
import { ConfigError } from '../config/parse-config';

/**
 * What every service's main.ts does before it starts (spec/config.md): read the environment
 * once (a .env file is a convenience), refuse a bad value in one line naming the variable,
 * and refuse a missing Redis in one line naming the ways to get one. Only entry points call
 * these; the rest of core never reads the environment or exits.
 */

export function exitWith(service: string, message: string): never {
  process.stderr.write(`hirepass ${service}: ${message}\n`);
  process.exit(1);
}

export function readConfigOrExit<T>(service: string, load: (env: Record<string, string | undefined>) => T): T {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  try {
    return load(process.env);
  } catch (err) {
    if (err instanceof ConfigError) exitWith(service, err.message);
    throw err;
  }
}

/** One PING with a short timeout, no retries: true when Redis answers. */
export async function redisAnswers(url: string, timeoutMs = 3_000): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null, enableOfflineQueue: false });
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

export async function ensureRedisOrExit(service: string, url: string): Promise<void> {
  if (await redisAnswers(url)) return;
  // The URL may hold a password: name the host only.
  const where = new URL(url).host;
  exitWith(service, `no Redis answers at ${where}. Start one with \`redis-server\` or \`docker compose up -d redis\`, or set REDIS_URL to one that runs.`);
}
