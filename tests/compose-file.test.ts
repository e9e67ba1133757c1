import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..');
const hasCompose = spawnSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).stdout.trim() !== '';

/**
 * No Docker engine runs here, so the compose file cannot be started in CI; Debian's
 * docker-compose still validates it and prints the resolved file (.ci/run installs it).
 */
describe.skipIf(!hasCompose)('docker-compose.yml', () => {
  it('is accepted by docker-compose and keeps Redis durable', () => {
    const res = spawnSync('docker-compose', ['--profile', 'sim', 'config'], { cwd: repoRoot, encoding: 'utf8' });
    expect(res.stderr).not.toMatch(/Unsupported|invalid/i);
    expect(res.status).toBe(0);
    const resolved = res.stdout;
    for (const svc of ['redis:', 'api:', 'worker:', 'graph-sim:']) expect(resolved).toContain(svc);
    expect(resolved).toMatch(/--appendonly[\s\S]*yes/);
    expect(resolved).toMatch(/--appendfsync[\s\S]*everysec/);
    expect(resolved).toContain('REDIS_URL: redis://redis:6379');
  });
});
