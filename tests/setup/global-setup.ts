import { ensureCertificate } from '@hirepass/graph-sim';
import { resolveTestRedis } from './redis';
import path from 'node:path';

/**
 * Runs once in the main vitest process, before the forked test workers start, so the
 * environment set here (Redis URL, the simulator's CA) is what every worker inherits.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const repoRoot = path.resolve(import.meta.dirname, '../..');
  const cert = await ensureCertificate(path.join(repoRoot, '.data', 'graph-sim'));
  process.env.NODE_EXTRA_CA_CERTS = cert.caCertPath;

  const redis = await resolveTestRedis();
  process.env.REDIS_URL = redis.url;
  return async () => {
    await redis.stop();
  };
}
