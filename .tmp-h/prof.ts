// Temporary profiling harness (engineer H): API under --cpu-prof while autocannon runs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { benchPrefix, deletePrefix, newRedis } from '../bench/lib/bench-redis';
import { hireEvent } from '../bench/lib/hires';
import { load } from '../bench/lib/load';
import { freePort, stopChild } from '../bench/lib/processes';
import { REPO_ROOT, until } from '../bench/lib/report';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const prefix = benchPrefix('hprof');
const redis = newRedis();
const port = await freePort();
const profDir = process.env.PROF_DIR ?? '/tmp/h-prof';
const nodeArgs = process.env.NO_PROF ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
const api = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(REPO_ROOT, 'services', 'api', 'src', 'main.ts')], {
  cwd: REPO_ROOT,
  env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: prefix, PORT: String(port), HR_WEBHOOK_SECRETS: secret,
    OPS_TOKEN: randomBytes(24).toString('base64url'), PASSCODE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'), HR_WEBHOOK_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
await until('api', async () => fetch(`${url}/healthz`).then(() => true, () => false), 60_000, 100);
const wh = new Webhook(secret);
const now = new Date();
const reqs = Array.from({ length: 20000 }, (_, k) => {
  const body = JSON.stringify(hireEvent(k, new Date(now.getTime() + 7 * 86_400_000), now));
  const id = `msg_p_${k}_${randomBytes(6).toString('hex')}`;
  return { body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': wh.sign(id, now, body) } };
});
let next = 0;
const run = await load({ url, connections: 10, amount: reqs.length, requests: [{ setupRequest: (req: Record<string, unknown>) => { const r = reqs[next++]!; return { ...req, method: 'POST', path: '/webhooks/hr', headers: r.headers, body: r.body }; } }] }, Number(process.env.SECS ?? 8));
console.log(JSON.stringify(run));
await stopChild(api, 10_000);
await deletePrefix(redis, prefix);
redis.disconnect();
process.exit(0);
