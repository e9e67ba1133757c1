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
const api = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', process.env.EXP ? path.join(REPO_ROOT, '.tmp-h', 'api-exp.ts') : path.join(REPO_ROOT, 'services', 'api', 'src', 'main.ts')], {
  cwd: REPO_ROOT,
  env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: prefix, PORT: String(port), HR_WEBHOOK_SECRETS: secret,
    OPS_TOKEN: randomBytes(24).toString('base64url'), PASSCODE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'), HR_WEBHOOK_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', EXP_AUTOPIPE: process.env.EXP_AUTOPIPE ?? '' },
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
import { readFileSync } from 'node:fs';
const cpu = () => { const f = readFileSync(`/proc/${api.pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const rcpu = async () => { const info = await redis.info('cpu'); return [...info.matchAll(/used_cpu_(?:user|sys):([0-9.]+)/g)].reduce((a, m) => a + Number(m[1]) * 1000, 0); };
const c0 = cpu(); const r0 = await rcpu();
import { spawn as spawn2 } from 'node:child_process';
const tracer = process.env.STRACE ? spawn2('strace', ['-f', '-c', '-o', process.env.STRACE, '-p', String(api.pid)], { stdio: 'ignore' }) : null;
if (tracer) await new Promise((r) => setTimeout(r, 1000));
let next = 0;
const run = await load({ url, connections: 10, amount: reqs.length, requests: [{ setupRequest: (req: Record<string, unknown>) => { const r = reqs[next++]!; return { ...req, method: 'POST', path: '/webhooks/hr', headers: r.headers, body: r.body }; } }] }, Number(process.env.SECS ?? 8));
const c1 = cpu(); const r1 = await rcpu();
if (tracer) { tracer.kill('SIGINT'); await new Promise((r) => tracer.once('exit', r)); }
console.log(JSON.stringify({ rps: run.requestsPerSecond, p50: run.latencyMs.p50, p99: run.latencyMs.p99, n: run.requests, statuses: run.statuses, apiCpuUsPerReq: Math.round((c1 - c0) * 1000 / run.requests), redisCpuUsPerReq: Math.round((r1 - r0) * 1000 / run.requests) }));
await stopChild(api, 10_000);
await deletePrefix(redis, prefix);
redis.disconnect();
process.exit(0);
