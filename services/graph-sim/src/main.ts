/**
 * `npm run start:graph-sim`: the simulator alone.
 *   --port / GRAPH_SIM_PORT                      default 4443 (0 = any free port)
 *   --host / GRAPH_SIM_HOST                      default 127.0.0.1
 *   --tenant / GRAPH_SIM_TENANT                  tenant file, default services/graph-sim/tenants/sample.json
 *   --lag / GRAPH_SIM_REPLICATION_LAG_MS         default 3000 (the demo's replication lag)
 *   --data-dir / GRAPH_SIM_DATA_DIR              default <repo>/.data/graph-sim
 *   --token-lifetime / GRAPH_SIM_TOKEN_LIFETIME_SECONDS  default 3599
 *   --log / GRAPH_SIM_LOG_REQUESTS=1             print every request
 *   GRAPH_SIM_PUBLIC_URL                         the URL clients use, when not the listen address (compose)
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR, connectionInfo, loadSampleTenant, loadTenantFile, startGraphSim } from './index';

function intOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0 (got '${raw}')`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      tenant: { type: 'string' },
      lag: { type: 'string' },
      'data-dir': { type: 'string' },
      'token-lifetime': { type: 'string' },
      log: { type: 'boolean' },
    },
  });
  const env = process.env;
  const tenantFile = values.tenant ?? env.GRAPH_SIM_TENANT;
  const dataDir = path.resolve(values['data-dir'] ?? env.GRAPH_SIM_DATA_DIR ?? DEFAULT_DATA_DIR);
  const sim = await startGraphSim({
    port: intOption('port', values.port ?? env.GRAPH_SIM_PORT, 4443),
    host: values.host ?? env.GRAPH_SIM_HOST ?? '127.0.0.1',
    tenant: tenantFile ? loadTenantFile(path.resolve(tenantFile)) : loadSampleTenant(),
    dataDir,
    replicationLagMs: intOption('lag', values.lag ?? env.GRAPH_SIM_REPLICATION_LAG_MS, 3000),
    tokenLifetimeSeconds: intOption('token-lifetime', values['token-lifetime'] ?? env.GRAPH_SIM_TOKEN_LIFETIME_SECONDS, 3599) || 3599,
    logRequests: values.log ?? env.GRAPH_SIM_LOG_REQUESTS === '1',
    publicUrl: env.GRAPH_SIM_PUBLIC_URL,
  });
  const info = connectionInfo(sim);
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'connection.json');
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(info, null, 2)}\n`);
  await rename(tmp, file);

  process.stdout.write(
    [
      `graph-sim: Microsoft Graph + Entra token authority simulator listening on ${sim.url}`,
      `  tenant ${sim.tenantId} (${tenantFile ?? 'sample tenant'})`,
      `  control API (not Graph): ${sim.url}/_sim/`,
      `  connection info written to ${file}:`,
      ...JSON.stringify(info, null, 2).split('\n').map((l) => `    ${l}`),
      `  clients must trust the simulator's CA; start them with:`,
      `    NODE_EXTRA_CA_CERTS=${sim.caCertPath}`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`graph-sim: ${signal}, closing\n`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`graph-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
