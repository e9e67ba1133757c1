/**
 * How fast the Graph simulator answers (it must never be the bottleneck of a benchmark).
 * Runs the simulator in a child process (so the load generator does not share its event loop),
 * then drives TAP creates and group adds with autocannon over HTTPS on loopback.
 * Bounded: at most MAX_REQUESTS requests and MAX_SECONDS seconds per scenario.
 *
 *   npx tsx bench/graph-sim.bench.ts            (writes bench/results/graph-sim.json)
 *   BENCH_CONNECTIONS=10 BENCH_SECONDS=5 BENCH_MAX_REQUESTS=20000 npx tsx bench/graph-sim.bench.ts
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The slice of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p97_5: number; p99: number; max: number };
  errors: number;
  timeouts: number;
}
interface AutocannonInstance {
  on(event: 'response', cb: (client: unknown, statusCode: number) => void): void;
  stop(): void;
}
type AutocannonOptions = Record<string, unknown>;
const autocannon = createRequire(import.meta.url)('autocannon') as (
  opts: AutocannonOptions,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const here = path.dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const MAX_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 20_000);

interface Served {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  tapPilotGroupId: string;
}

async function serve(): Promise<void> {
  const { startGraphSim } = await import('@hirepass/graph-sim');
  const sim = await startGraphSim({ port: 0, replicationLagMs: 0 });
  process.stdout.write(`${JSON.stringify({ url: sim.url, tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret, caCertPath: sim.caCertPath, tapPilotGroupId: sim.tapPilotGroupId })}\n`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function call(served: Served, method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const ca = readFileSync(served.caCertPath);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: { ...headers, ...(body ? { 'content-length': Buffer.byteLength(body).toString() } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

interface Scenario {
  name: string;
  connections: number;
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p97_5: number; p99: number; max: number };
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

function run(name: string, opts: AutocannonOptions): Promise<Scenario> {
  return new Promise((resolve, reject) => {
    const statuses: Record<string, number> = {};
    // Wall time of our own: autocannon's duration is rounded to its one-second ticks.
    const started = performance.now();
    const instance = autocannon({ ...opts, connections: CONNECTIONS, amount: MAX_REQUESTS, timeout: 10 }, (err: Error | null, result: AutocannonResult) => {
      clearTimeout(timer);
      if (err) return reject(err);
      const seconds = (performance.now() - started) / 1000;
      resolve({
        name,
        connections: CONNECTIONS,
        requests: result.requests.total,
        durationSeconds: Number(seconds.toFixed(2)),
        requestsPerSecond: Math.round(result.requests.total / seconds),
        latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
        statuses,
        errors: result.errors,
        timeouts: result.timeouts,
      });
    });
    instance.on('response', (_client: unknown, statusCode: number) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
    const timer = setTimeout(() => instance.stop(), MAX_SECONDS * 1000);
  });
}

async function drive(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], { cwd: path.resolve(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`simulator exited (${code})`)));
  });
  const served = JSON.parse(firstLine) as Served;
  try {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: served.clientId, client_secret: served.clientSecret, scope: 'https://graph.microsoft.com/.default' }).toString();
    const tok = await call(served, 'POST', `${served.url}/${served.tenantId}/oauth2/v2.0/token`, form, { 'content-type': 'application/x-www-form-urlencoded' });
    // autocannon writes Content-Length into the headers object it is given: never share one.
    const auth = { authorization: `Bearer ${tok.body.access_token}`, 'content-type': 'application/json' };
    // Every hire may get a pass, so each create is a real 201 (replacing that user's previous pass).
    await call(served, 'PATCH', `${served.url}/_sim/tap-policy`, JSON.stringify({ includeTargets: [{ targetType: 'group', id: 'all_users' }] }), { 'content-type': 'application/json' });
    const state = (await call(served, 'GET', `${served.url}/_sim/state`)).body as { users: Array<{ id: string; userPrincipalName: string }> };
    const hires = state.users.filter((u) => /^hire\d\d@/.test(u.userPrincipalName));

    const tapCreates = await run('tap.create', {
      url: served.url,
      requests: hires.map((u) => ({ method: 'POST', path: `/v1.0/users/${u.userPrincipalName}/authentication/temporaryAccessPassMethods`, headers: { ...auth }, body: '{"lifetimeInMinutes":60,"isUsableOnce":false}' })),
    });

    // One hire per connection, added then removed, so every add is a real 204 (no "already a member").
    let nextHire = 0;
    const groupWrites = await run('groups.members.add+remove', {
      url: served.url,
      initialContext: {},
      requests: [
        {
          setupRequest: (req: any, context: any) => {
            context.hire ??= hires[nextHire++ % hires.length]!.id;
            return { ...req, method: 'POST', path: `/v1.0/groups/${served.tapPilotGroupId}/members/$ref`, headers: { ...auth }, body: JSON.stringify({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${context.hire}` }) };
          },
        },
        {
          setupRequest: (req: any, context: any) => ({ ...req, method: 'DELETE', path: `/v1.0/groups/${served.tapPilotGroupId}/members/${context.hire}/$ref`, headers: { ...auth } }),
        },
      ],
    });

    const userReads = await run('users.get', {
      url: served.url,
      requests: hires.map((u) => ({ method: 'GET', path: `/v1.0/users/${u.userPrincipalName}?$select=id,accountEnabled,assignedPlans`, headers: { ...auth } })),
    });

    const counts = (await call(served, 'GET', `${served.url}/_sim/counts`)).body;
    const result = {
      benchmark: 'graph-sim',
      at: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      bounds: { connections: CONNECTIONS, maxSecondsPerScenario: MAX_SECONDS, maxRequestsPerScenario: MAX_REQUESTS },
      note: 'requestsPerSecond is a lower bound: autocannon reports completion on its one-second tick. Client and simulator share the machine.',
      scenarios: [tapCreates, groupWrites, userReads],
      simulatorCounts: counts,
    };
    for (const s of result.scenarios) {
      process.stdout.write(
        `${s.name.padEnd(28)} ${String(s.requestsPerSecond).padStart(6)} req/s  ${s.requests} requests in ${s.durationSeconds}s  ` +
          `p50 ${s.latencyMs.p50} ms  p99 ${s.latencyMs.p99} ms  statuses ${JSON.stringify(s.statuses)}  errors ${s.errors}\n`,
      );
    }
    const out = path.join(here, 'results', 'graph-sim.json');
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`written ${out}\n`);
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv.includes('--serve')) await serve();
else await drive();
