import { ClientSecretCredential } from '@azure/identity';
import { Client, RetryHandlerOptions, type GraphRequest } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { loadSampleTenant, startGraphSim, type GraphSim, type GraphSimOptions, type TenantDefinition } from '@hirepass/graph-sim';

export const SCOPE = 'https://graph.microsoft.com/.default';
export const JANE = 'jane.doe@contoso.com';
export const SAM = 'sam.lee@contoso.com';
export const JANE_DEVICE_ID = '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44';

/** The Graph client exactly as hirepass builds it: @azure/identity credential over the simulator. */
export function graphClient(sim: GraphSim, clientId = sim.clientId, secret = sim.clientSecret): Client {
  const credential = new ClientSecretCredential(sim.tenantId, clientId, secret, {
    authorityHost: sim.url,
    disableInstanceDiscovery: true,
  });
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [SCOPE] });
  return Client.initWithMiddleware({ authProvider, baseUrl: sim.url, customHosts: new Set(['127.0.0.1']), defaultVersion: 'v1.0' });
}

/** A request that shows Graph's raw answer (no client-side retries). */
export const noRetry = (req: GraphRequest): GraphRequest => req.middlewareOptions([new RetryHandlerOptions(0, 0)]);

export async function token(sim: GraphSim, clientId = sim.clientId, secret = sim.clientSecret): Promise<string> {
  const credential = new ClientSecretCredential(sim.tenantId, clientId, secret, { authorityHost: sim.url, disableInstanceDiscovery: true });
  return (await credential.getToken(SCOPE)).token;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** Plain fetch over HTTPS (NODE_EXTRA_CA_CERTS trusts the simulator), for headers and raw bodies. */
export async function raw(
  sim: GraphSim,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${sim.url}${path}`, { method, headers, body, signal: opts.signal });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A second app, granted less (or other) permissions than the sample app. */
export function tenantWithApp(roles: string[], appId = '9d0c1b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d'): { tenant: TenantDefinition; appId: string; secret: string } {
  const tenant = loadSampleTenant();
  const secret = 'second-app-secret';
  tenant.apps.push({ appId, servicePrincipalId: 'aa11bb22-cc33-4d44-8e55-ff6600778899', displayName: 'second app', clientSecret: secret, roles });
  return { tenant, appId, secret };
}

export async function withSim(opts: GraphSimOptions = {}): Promise<GraphSim> {
  return startGraphSim({ port: 0, ...opts });
}

export function userId(sim: GraphSim, upn: string): string {
  const u = sim.control.state().users.find((x) => x.userPrincipalName === upn);
  if (!u) throw new Error(`no ${upn} in the tenant`);
  return u.id;
}

export function deviceObjectId(sim: GraphSim, deviceId: string): string {
  const d = sim.control.state().devices.find((x) => x.deviceId === deviceId);
  if (!d) throw new Error(`no device ${deviceId}`);
  return d.id;
}

/** Graph errors as the SDK throws them (GraphError has statusCode, code, message, headers). */
export async function graphError(p: Promise<unknown>): Promise<{ statusCode: number; code: string; message: string; headers?: Headers; body?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { statusCode: number; code: string; message: string; headers?: Headers };
  }
  throw new Error('expected the call to fail');
}
