import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_ENV_VARIABLES, WORKER_ENV_VARIABLES, loadApiConfig, loadWorkerConfig } from '@hirepass/core';

const repoRoot = path.resolve(import.meta.dirname, '..');
const hasCompose = spawnSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).stdout.trim() !== '';

/** Set by the compose file itself for the container's wiring, whatever .env says. */
const FIXED_IN_COMPOSE: Record<'api' | 'worker', Record<string, string>> = {
  api: { REDIS_URL: 'redis://redis:6379', HOST: '0.0.0.0' },
  worker: { REDIS_URL: 'redis://redis:6379', WORKER_METRICS_HOST: '0.0.0.0', WORKER_METRICS_PORT: '9464' },
};

/** Valid values of the variables that have no default, as a user's .env would hold them. */
const REQUIRED = {
  HR_WEBHOOK_SECRETS: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  PASSCODE_ENCRYPTION_KEYS: Buffer.alloc(32, 2).toString('base64'),
  OPS_TOKEN: 'compose-test-ops-token-0123456789',
  AZURE_TENANT_ID: '11111111-1111-4111-8111-111111111111',
  AZURE_CLIENT_ID: '22222222-2222-4222-8222-222222222222',
  AZURE_CLIENT_SECRET: 'compose-test-client-secret',
  TAP_PILOT_GROUP_ID: '33333333-3333-4333-8333-333333333333',
  WEB_SIGNIN_DEVICE_GROUP_ID: '44444444-4444-4444-8444-444444444444',
  NOTICE_SENDER_UPN: 'hirepass@contoso.com',
};

const work = mkdtempSync(path.join(tmpdir(), 'hirepass-compose-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Resolved {
  services: Record<string, { environment?: Record<string, string> }>;
}

/**
 * `docker-compose config` with exactly `dotenv` as the user's .env: an env file of its own,
 * and no variables inherited from the test's environment (which sets REDIS_URL and others).
 * Read back with PyYAML (docker-compose's own dependency), all scalars as strings, because
 * the printed file has values such as 08:00 unquoted.
 */
function resolve(dotenv: Record<string, string>): Resolved {
  const envFile = path.join(work, `${Object.keys(dotenv).length}-${Math.random().toString(36).slice(2)}.env`);
  writeFileSync(envFile, Object.entries(dotenv).map(([k, v]) => `${k}=${v}\n`).join(''));
  const res = spawnSync('docker-compose', ['--env-file', envFile, '--profile', 'sim', 'config'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  expect(res.status, res.stderr).toBe(0);
  const json = spawnSync('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.load(sys.stdin, Loader=yaml.BaseLoader), sys.stdout)'], { input: res.stdout, encoding: 'utf8' });
  expect(json.status, json.stderr).toBe(0);
  return JSON.parse(json.stdout) as Resolved;
}

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

  // The lists come from the config schemas, so a variable added to config.ts fails here until
  // the compose file passes it too (a .env value silently ignored under Compose otherwise).
  it.each([
    ['api', API_ENV_VARIABLES, WORKER_ENV_VARIABLES],
    ['worker', WORKER_ENV_VARIABLES, API_ENV_VARIABLES],
  ] as const)('passes every variable the %s reads from .env, and none only the other service reads', (service, reads, otherReads) => {
    const fixed = FIXED_IN_COMPOSE[service];
    // A distinct number per variable: a swapped pair shows, and a port mapping accepts it.
    const dotenv = Object.fromEntries([...new Set([...API_ENV_VARIABLES, ...WORKER_ENV_VARIABLES])].map((name, i) => [name, String(20_000 + i)]));
    const env = resolve(dotenv).services[service]?.environment ?? {};
    for (const name of reads) expect(env[name], name).toBe(fixed[name] ?? dotenv[name]);
    for (const name of otherReads.filter((n) => !reads.includes(n))) expect(env, `${name} reaches the ${service}`).not.toHaveProperty(name);
  });

  it('leaves every variable a user does not set at the default of config.ts', () => {
    const services = resolve(REQUIRED).services;
    expect(loadApiConfig(services.api!.environment!)).toEqual(loadApiConfig({ ...REQUIRED, ...FIXED_IN_COMPOSE.api }));
    expect(loadWorkerConfig(services.worker!.environment!)).toEqual(loadWorkerConfig({ ...REQUIRED, ...FIXED_IN_COMPOSE.worker }));
  });
});
