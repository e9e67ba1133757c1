import { randomUUID, timingSafeEqual } from 'node:crypto';
import { json, type HttpOut } from '../http';
import type { TenantState } from '../tenant/state';
import type { AppDefinition } from '../tenant/types';
import type { TokenIssuer } from './tokens';

/**
 * The Entra token authority, as far as a confidential client with a secret needs it:
 * discovery, the client-credentials token endpoint and the signing keys.
 */
export const AUTHORITY_PATH = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/;

const GRAPH_SCOPES = new Set(['https://graph.microsoft.com/.default', '00000003-0000-0000-c000-000000000000/.default']);
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);

export interface AuthorityContext {
  state: TenantState;
  issuer: TokenIssuer;
  baseUrl: string;
  tokenLifetimeSeconds: number;
  correlationId: string;
  requestId: string;
}

/** AADSTS error JSON: {"error","error_description","error_codes","timestamp","trace_id","correlation_id"}. */
function aadError(ctx: AuthorityContext, status: number, error: string, code: number, text: string): HttpOut {
  const ts = new Date(ctx.state.clock.now());
  const stamp = ts.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const description = `AADSTS${code}: ${text} Trace ID: ${ctx.requestId} Correlation ID: ${ctx.correlationId} Timestamp: ${stamp}`;
  return json(status, {
    error,
    error_description: description,
    error_codes: [code],
    timestamp: stamp,
    trace_id: ctx.requestId,
    correlation_id: ctx.correlationId,
    error_uri: `${ctx.baseUrl}/error?code=${code}`,
  });
}

function knownTenant(ctx: AuthorityContext, tenant: string): boolean {
  const t = tenant.toLowerCase();
  return t === ctx.state.tenantId.toLowerCase() || ctx.state.domains.has(t);
}

function tenantNotFound(ctx: AuthorityContext, tenant: string): HttpOut {
  return aadError(ctx, 400, 'invalid_request', 90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
}

function secretMatches(app: AppDefinition, secret: string): boolean {
  const a = Buffer.from(app.clientSecret);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function handleAuthority(ctx: AuthorityContext, method: string, path: string, rawBody: string): HttpOut {
  const m = AUTHORITY_PATH.exec(path);
  if (!m) return json(404, { error: 'not_found' });
  const tenant = decodeURIComponent(m[1] as string);
  const what = m[2] as string;
  if (!knownTenant(ctx, tenant)) return tenantNotFound(ctx, tenant);
  const base = `${ctx.baseUrl}/${ctx.state.tenantId}`;
  if (what.startsWith('v2.0')) {
    if (method !== 'GET') return json(405, { error: 'method_not_allowed' });
    // issuer must share scheme, host and port with the authority, or MSAL refuses it (DEPENDENCIES.md).
    return json(200, {
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'graph-sim.local',
    });
  }
  if (what.startsWith('discovery')) return json(200, ctx.issuer.jwks());
  if (method !== 'POST') return json(405, { error: 'method_not_allowed' });
  return token(ctx, new URLSearchParams(rawBody));
}

function token(ctx: AuthorityContext, form: URLSearchParams): HttpOut {
  const grant = form.get('grant_type');
  if (grant !== 'client_credentials') {
    return aadError(ctx, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
  }
  const clientId = form.get('client_id') ?? '';
  const app = ctx.state.apps.get(clientId);
  if (!app) {
    return aadError(ctx, 400, 'unauthorized_client', 700016,
      `Application with identifier '${clientId}' was not found in the directory '${ctx.state.def.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  const secret = form.get('client_secret');
  if (secret === null) {
    return aadError(ctx, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (!secretMatches(app, secret)) {
    return aadError(ctx, 401, 'invalid_client', 7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`);
  }
  const scopes = (form.get('scope') ?? '').split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s));
  if (scopes.length !== 1 || !GRAPH_SCOPES.has(scopes[0] as string)) {
    return aadError(ctx, 400, 'invalid_scope', 1002012,
      `The provided value for scope ${scopes.join(' ')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  const { token: accessToken } = ctx.issuer.issue(app, ctx.state.tenantId, ctx.state.clock.now(), ctx.tokenLifetimeSeconds);
  return json(200, {
    token_type: 'Bearer',
    expires_in: ctx.tokenLifetimeSeconds,
    ext_expires_in: ctx.tokenLifetimeSeconds,
    access_token: accessToken,
  }, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'x-ms-request-id': randomUUID() });
}
