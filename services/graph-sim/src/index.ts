import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ensureCertificate } from './cert';
import { createControl, type SimControl } from './control';
import { SimCore } from './core';
import { createSimServer } from './server';
import { loadSampleTenant } from './tenant/sample';
import type { TenantDefinition } from './tenant/types';

export { ensureCertificate, type SimCertificate } from './cert';
export { loadSampleTenant, loadTenantFile } from './tenant/sample';
export type * from './tenant/types';
export type { SimControl, TapView } from './control';
export type { FaultRule, FaultKind } from './faults';
export type { ThrottleConfig } from './throttle';
export type { RequestLogEntry } from './core';
export type { MailRecord, NotificationRecord, SyncRecord, TapRecord } from './tenant/state';
export { ALREADY_MEMBER_MESSAGE } from './routes/groups';
export { POLICY_REFUSAL_MESSAGE, TAP_START_IN_PAST_MESSAGE, lifetimeMessage } from './tenant/tap';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data', 'graph-sim');

export interface GraphSimOptions {
  /** 0 = ephemeral (default 0). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: the sample tenant. */
  tenant?: TenantDefinition;
  /** Default <repo>/.data/graph-sim. */
  dataDir?: string;
  /** Default 0. */
  replicationLagMs?: number;
  /** Default 3599. */
  tokenLifetimeSeconds?: number;
  logRequests?: boolean;
  /**
   * The URL clients reach the simulator by, when it is not the listen address (in
   * docker-compose: https://graph-sim:4443). It is the token issuer, so it must match what
   * clients use as their authority.
   */
  publicUrl?: string;
}

export interface GraphSim {
  /** e.g. https://127.0.0.1:43123: the Graph base and the authority host. */
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  tapPilotGroupId: string;
  webSignInDeviceGroupId: string;
  noticeSenderUpn: string;
  control: SimControl;
  close(): Promise<void>;
}

/** What a client needs to connect (printed by the CLI and written to connection.json). */
export interface ConnectionInfo {
  baseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  tapPilotGroupId: string;
  webSignInDeviceGroupId: string;
  noticeSenderUpn: string;
}

export function connectionInfo(sim: GraphSim): ConnectionInfo {
  return {
    baseUrl: sim.url,
    tenantId: sim.tenantId,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    caCertPath: sim.caCertPath,
    tapPilotGroupId: sim.tapPilotGroupId,
    webSignInDeviceGroupId: sim.webSignInDeviceGroupId,
    noticeSenderUpn: sim.noticeSenderUpn,
  };
}

export async function startGraphSim(opts: GraphSimOptions = {}): Promise<GraphSim> {
  const tenant = opts.tenant ?? loadSampleTenant();
  const app = tenant.apps.find((a) => a.appId === tenant.hirepass.clientId);
  if (!app) throw new Error(`tenant ${tenant.tenantId}: hirepass.clientId ${tenant.hirepass.clientId} is not among its apps`);
  const cert = await ensureCertificate(opts.dataDir ?? DEFAULT_DATA_DIR);
  const core = new SimCore(tenant, opts.replicationLagMs ?? 0, opts.tokenLifetimeSeconds ?? 3599, opts.logRequests ?? false);
  const control = createControl(core);
  const server = createSimServer(core, control, cert);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  core.baseUrl = opts.publicUrl?.replace(/\/+$/, '') ?? `https://${urlHost}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: core.baseUrl,
    tenantId: tenant.tenantId,
    clientId: app.appId,
    clientSecret: app.clientSecret,
    caCertPath: cert.caCertPath,
    tapPilotGroupId: tenant.hirepass.tapPilotGroupId,
    webSignInDeviceGroupId: tenant.hirepass.webSignInDeviceGroupId,
    noticeSenderUpn: tenant.hirepass.noticeSenderUpn,
    control,
    close() {
      closed ??= new Promise<void>((resolve) => {
        core.closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * The hirepass worker's environment for a simulated tenant (the variables of spec/config.md),
 * so tests, benchmarks and the readiness CLIs wire a worker to it the same way.
 */
export function workerEnvFor(
  sim: Pick<GraphSim, 'url' | 'tenantId' | 'clientId' | 'clientSecret' | 'tapPilotGroupId' | 'webSignInDeviceGroupId' | 'noticeSenderUpn'>,
): Record<string, string> {
  return {
    AZURE_TENANT_ID: sim.tenantId,
    AZURE_CLIENT_ID: sim.clientId,
    AZURE_CLIENT_SECRET: sim.clientSecret,
    AZURE_AUTHORITY_HOST: sim.url,
    GRAPH_BASE_URL: sim.url,
    TAP_PILOT_GROUP_ID: sim.tapPilotGroupId,
    WEB_SIGNIN_DEVICE_GROUP_ID: sim.webSignInDeviceGroupId,
    NOTICE_SENDER_UPN: sim.noticeSenderUpn,
  };
}
