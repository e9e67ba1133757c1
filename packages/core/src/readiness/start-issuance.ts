import type { Redis } from 'ioredis';
import type { Clock } from '../clock';
import type { WorkerConfig } from '../config/config';
import type { GraphGateway, TenantGateway } from '../graph/graph.port';
import { createMsGraphGateway } from '../graph/msgraph.adapter';
import type { AuditTrail } from '../store/audit-trail';
import type { WorkflowLog } from '../workflow/ports';
import { withDryRun } from './dry-run.gateway';
import { withIssuanceAccounting } from './issuance-accounting';
import { IssuanceControl } from './issuance-control';
import { IssuanceGate } from './issuance-gate';
import { readinessOf } from './readiness-config';

export interface IssuanceSetup {
  /** The gateway the workflow uses: dry-run applied, TAP outcomes counted for the brake. */
  graph: GraphGateway;
  /** WorkflowPorts.issuance. */
  gate: IssuanceGate;
  stop(): Promise<unknown>;
}

export function isTenantGateway(g: unknown): g is TenantGateway {
  return typeof (g as Partial<TenantGateway> | null)?.getGrantedRoles === 'function';
}

/**
 * The worker's readiness wiring in one call (issue 9): the gate starts its first tenant check
 * at once (TAP issuance waits for it; nothing else does) and re-checks periodically.
 * `tenant` defaults to `graph` when that is the msgraph adapter, else one built from config.
 */
export function startIssuance(opts: {
  config: WorkerConfig;
  graph: GraphGateway;
  tenant?: TenantGateway;
  redis: Redis;
  clock: Clock;
  log: WorkflowLog;
  audit: AuditTrail;
  workerId: string;
}): IssuanceSetup {
  const { config, clock, log } = opts;
  const readiness = readinessOf(config);
  const tenant =
    opts.tenant ??
    (isTenantGateway(opts.graph) ? opts.graph : createMsGraphGateway({ ...config.azure, graphBaseUrl: config.graphBaseUrl }));
  const gate = new IssuanceGate({
    tenant,
    target: {
      tenantId: config.azure.tenantId,
      tapPilotGroupId: config.tapPilotGroupId,
      webSignInDeviceGroupId: config.webSignInDeviceGroupId,
      noticeSenderUpn: config.noticeSenderUpn,
    },
    control: new IssuanceControl(opts.redis, config.queuePrefix, clock),
    config: readiness,
    clock,
    log,
    audit: opts.audit,
    workerId: opts.workerId,
  });
  const writes = readiness.dryRun ? withDryRun(opts.graph, log) : opts.graph;
  const graph = withIssuanceAccounting(writes, (failed) => gate.recordTapOutcome(failed));
  gate.start();
  return { graph, gate, stop: () => gate.stop() };
}
