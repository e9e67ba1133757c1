import { spawn, type ChildProcess } from 'node:child_process';
import { WORKER_NODE_FLAGS } from '../services/worker/src/node-flags';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import PinoPretty from 'pino-pretty';
import { sampleCurl } from './demo-curl';
import { demoSecrets, repoRoot } from './demo-secrets';
import { clearPrefix, demoRedis } from './demo-redis';

/**
 * `npm start`: the whole product on one machine. The simulated tenant, the API and one worker
 * run as separate processes (as in production), wired to one Redis, with demo secrets kept
 * under .data/. Prints the URLs, a signed sample hire to paste, and each reveal link as the
 * manager's notice "arrives" (the simulator captures mail instead of delivering it).
 */

const children: ChildProcess[] = [];
let stopping = false;

function stopAll(code = 0): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function run(name: string, script: string, env: Record<string, string>, nodeFlags: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(repoRoot, script)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pretty = PinoPretty({ colorize: true, singleLine: true, ignore: 'pid,hostname,service,workerId', messageFormat: `[${name}] {msg}`, destination: 1 });
  child.stdout!.on('data', (chunk: Buffer) => {
    // Lines that are not pino JSON (banners) are passed through as they are.
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      if (line.startsWith('{')) pretty.write(`${line}\n`);
      else process.stdout.write(`[${name}] ${line}\n`);
    }
  });
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`[demo] ${name} exited (code ${code}); stopping the demo.`);
      stopAll(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await probe();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Connection {
  baseUrl: string; tenantId: string; clientId: string; clientSecret: string; caCertPath: string;
  tapPilotGroupId: string; webSignInDeviceGroupId: string; noticeSenderUpn: string;
}

function simGet(conn: Connection, route: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // The simulator's own CA is trusted explicitly for this one call; nothing skips verification.
    const req = request(`${conn.baseUrl}${route}`, { ca: readFileSync(conn.caCertPath) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => {
        try { resolve(JSON.parse(body)); } catch (err) { reject(err); }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const redis = await demoRedis(repoRoot);
  if (!redis) {
    console.error(
      'hirepass demo: no Redis answers (REDIS_URL or redis://127.0.0.1:6379) and no redis-server is on the PATH; ' +
        'install one (e.g. `apt-get install redis-server`), run `docker compose up -d redis`, or set REDIS_URL.',
    );
    process.exit(1);
  }
  if (redis.child) children.push(redis.child);
  const queuePrefix = process.env.QUEUE_PREFIX ?? 'hirepass-demo';
  // The simulated tenant starts fresh every run, so the demo's own Redis state must too:
  // onboardings from a previous run would point at memberships and passes that no longer exist.
  await clearPrefix(redis.url, queuePrefix);
  const secrets = await demoSecrets();
  const apiPort = process.env.PORT ?? '3000';
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const publicBaseUrl = process.env.PUBLIC_BASE_URL ?? `http://localhost:${apiPort}`;

  const connFile = path.join(repoRoot, '.data', 'graph-sim', 'connection.json');
  rmSync(connFile, { force: true });
  run('graph-sim', 'services/graph-sim/src/main.ts', {
    GRAPH_SIM_REPLICATION_LAG_MS: process.env.GRAPH_SIM_REPLICATION_LAG_MS ?? '3000',
  });
  const conn = await waitFor('the simulated tenant', () =>
    existsSync(connFile) ? (JSON.parse(readFileSync(connFile, 'utf8')) as Connection) : null,
  );

  const common = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: queuePrefix,
    PASSCODE_ENCRYPTION_KEYS: secrets.passcodeKey,
    PUBLIC_BASE_URL: publicBaseUrl,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  run('api', 'services/api/src/main.ts', {
    ...common,
    PORT: apiPort,
    HR_WEBHOOK_SECRETS: secrets.webhookSecret,
    OPS_TOKEN: secrets.opsToken,
  });
  run('worker', 'services/worker/src/main.ts', {
    ...common,
    AZURE_TENANT_ID: conn.tenantId,
    AZURE_CLIENT_ID: conn.clientId,
    AZURE_CLIENT_SECRET: conn.clientSecret,
    AZURE_AUTHORITY_HOST: conn.baseUrl,
    GRAPH_BASE_URL: conn.baseUrl,
    TAP_PILOT_GROUP_ID: conn.tapPilotGroupId,
    WEB_SIGNIN_DEVICE_GROUP_ID: conn.webSignInDeviceGroupId,
    NOTICE_SENDER_UPN: conn.noticeSenderUpn,
    NODE_EXTRA_CA_CERTS: conn.caCertPath,
    WORKER_METRICS_PORT: process.env.WORKER_METRICS_PORT ?? '9464',
  }, WORKER_NODE_FLAGS);
  await waitFor('the API', async () => {
    try {
      return (await fetch(`${apiUrl}/readyz`)).ok ? true : null;
    } catch {
      return null;
    }
  });

  console.log(banner(apiUrl, publicBaseUrl, conn, secrets, sampleCurl(apiUrl, secrets.webhookSecret)));
  watchMails(conn);
}

function banner(apiUrl: string, publicBaseUrl: string, conn: Connection, s: { opsToken: string }, curl: string): string {
  return `
──────────────────────────────────────────────────────────────────────────────
 hirepass demo is running
   API                 ${apiUrl}
   Ops dashboard       ${publicBaseUrl}/admin/   (user: any, password: the ops token)
   Queue dashboard     ${publicBaseUrl}/admin/queues
   Ops token           ${s.opsToken}
   Simulated tenant    ${conn.baseUrl}   (captured mail: ${conn.baseUrl}/_sim/mails)
   Metrics             ${apiUrl}/metrics   (worker: http://127.0.0.1:${process.env.WORKER_METRICS_PORT ?? '9464'}/metrics)
   API docs (OpenAPI)  ${apiUrl}/docs

 Post a signed sample hire (activation about a minute away); paste it again
 whenever you like: it signs each time (needs openssl and curl, or run
 \`npm run demo:hire\` instead):

${curl}

 When the passcode is issued, the manager's notice is printed below with its
 one-time reveal link. Ctrl-C stops everything.
──────────────────────────────────────────────────────────────────────────────`;
}

function watchMails(conn: Connection): void {
  const seen = new Set<string>();
  const tick = async () => {
    try {
      const mails = (await simGet(conn, '/_sim/mails')) as { id: string; to: string[]; subject: string; content: string }[];
      for (const m of mails) {
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        const link = /https?:\/\/[^\s"'<>]+\/reveal\/[A-Za-z0-9_-]+/.exec(m.content)?.[0];
        console.log(`\n[demo] 📧 notice to ${m.to.join(', ')}: "${m.subject}"\n[demo]    reveal link: ${link ?? '(none found)'}\n`);
      }
    } catch {
      // the simulator may be restarting; try again on the next tick
    }
  };
  setInterval(tick, 2000).unref();
  // keep the process alive while children run
  setInterval(() => {}, 60_000);
}

main().catch((err) => {
  console.error(`hirepass demo: ${(err as Error).message}`);
  stopAll(1);
});
