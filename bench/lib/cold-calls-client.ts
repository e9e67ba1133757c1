/**
 * The client side of cold-calls.bench.ts, in a process of its own so that it starts trusting
 * the simulator's CA (NODE_EXTRA_CA_CERTS is read at start). Prints one JSON line per round.
 */
import diagnostics from 'node:diagnostics_channel';
import { simGateway } from '../../packages/core/src/testing/sim-gateway';
import { cpuMs } from './processes';
import type { SimInfo } from './sim-process';

const sim = JSON.parse(process.env.COLD_SIM_INFO ?? '{}') as SimInfo;
const simPid = Number(process.env.COLD_SIM_PID);
const CALLS = Number(process.env.COLD_CALLS ?? 50);
const ROUNDS = Number(process.env.COLD_ROUNDS ?? 3);

let connections = 0;
diagnostics.subscribe('undici:client:connected', () => connections++);

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function round(batchSize: number): Promise<void> {
  // A gateway of its own: a fresh keep-alive pool, as after an idle spell (idle sockets close
  // after 4 s), with its token fetched first, outside the counts.
  const graph = simGateway(sim, { batchMaxRequests: batchSize });
  await graph.getTapPolicy();
  connections = 0;
  const [client0, sim0, t0] = [cpu(), await cpuMs([simPid]), performance.now()];
  await Promise.all(Array.from({ length: CALLS }, () => graph.getUser('bench-0@contoso.com')));
  const [client1, sim1, t1] = [cpu(), await cpuMs([simPid]), performance.now()];
  process.stdout.write(
    `${JSON.stringify({ batchSize, newConnections: connections, clientCpuMs: client1 - client0, simCpuMs: sim1 - sim0, wallMs: t1 - t0 })}\n`,
  );
}

async function main(): Promise<void> {
  await round(20); // warm-up: JIT and the simulator's first requests, not reported
  await round(1);
  for (let i = 0; i < ROUNDS; i++) {
    for (const size of [1, 20]) await round(size);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
