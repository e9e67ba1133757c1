import type { SimCore } from './core';
import { GraphError, denied, errorBody } from './graph/errors';
import { lookup, type ApiVersion, type GraphResult } from './graph/route';
import { sleep } from './http';
import type { AppDefinition } from './tenant/types';

/** One Graph call, top-level or a $batch item. */
export interface GraphCall {
  method: string;
  version: ApiVersion;
  /** Path without version prefix and query. */
  path: string;
  /** Path and query as requested, for the log. */
  rawUrl: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
  /** Set when the body could not be read as JSON: answered only once auth and routing passed. */
  bodyError?: GraphError;
  requestId: string;
  clientRequestId: string;
  /** Already authenticated (batch items inherit the batch's caller). */
  caller?: { app: AppDefinition; roles: readonly string[] };
  batchRequestId?: string;
}

export type Outcome =
  | { kind: 'respond'; result: GraphResult; appId?: string }
  | { kind: 'drop'; appId?: string }
  | { kind: 'hang'; ms?: number; appId?: string };

const STATUS_CODES: Record<number, string> = {
  429: 'TooManyRequests',
  500: 'generalException',
  502: 'BadGateway',
  503: 'serviceNotAvailable',
  504: 'GatewayTimeout',
};

export function errorResult(core: SimCore, call: Pick<GraphCall, 'requestId' | 'clientRequestId'>, err: GraphError): GraphResult {
  return {
    status: err.status,
    headers: err.headers,
    body: errorBody(err.code, err.message, call.requestId, call.clientRequestId, core.clock.graphDate()),
  };
}

function faultError(status: number, retryAfterSeconds?: number): GraphError {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  const message = status === 429 ? 'Too many requests. Please retry after the time in the Retry-After header.' : 'The service is temporarily unavailable (injected fault).';
  return new GraphError(status, STATUS_CODES[status] ?? 'UnknownError', message, headers);
}

function authenticate(core: SimCore, call: GraphCall): { app: AppDefinition; roles: readonly string[] } {
  const header = call.headers.authorization ?? '';
  const m = /^Bearer\s+(\S*)$/i.exec(header);
  const unauthorized = (message: string) =>
    new GraphError(401, 'InvalidAuthenticationToken', message, {
      'www-authenticate': `Bearer realm="", authorization_uri="${core.baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
    });
  if (!m || !m[1]) throw unauthorized('Access token is empty.');
  const v = core.issuer.verify(m[1], core.state.tenantId, core.clock.now());
  if (!v.ok) throw unauthorized(v.message);
  const app = core.state.apps.get(v.claims.appid);
  if (!app) throw unauthorized('Access token validation failure. The application is not known in this tenant.');
  return { app, roles: v.claims.roles };
}

type BatchRunner = (core: SimCore, call: GraphCall, caller: { app: AppDefinition; roles: readonly string[] }) => Promise<GraphResult>;

const SEND_MAIL = /^\/users\/([^/]+)\/sendMail$/i;

/**
 * Outlook counts a mailbox's requests from arrival to answer (graph.md "Notices"): a sendMail
 * takes a slot of its sender's mailbox for as long as it runs, and one over the limit is refused
 * (after authentication and permissions, like any Graph answer) while the others go on.
 */
export async function executeGraph(core: SimCore, call: GraphCall, batch?: BatchRunner): Promise<Outcome> {
  const m = call.method === 'POST' ? SEND_MAIL.exec(call.path) : null;
  if (!m) return executeAdmitted(core, call, batch);
  const who = decodeURIComponent(m[1]!);
  const mailbox = core.state.findUser(who)?.id ?? who.toLowerCase();
  const admitted = core.mailboxes.enter(mailbox);
  if (!admitted) return executeAdmitted(core, call, batch, { id: mailbox, overConcurrency: true });
  try {
    return await executeAdmitted(core, call, batch, { id: mailbox, overConcurrency: false });
  } finally {
    core.mailboxes.leave(mailbox);
  }
}

/**
 * Runs one Graph call through the order a real request meets: injected faults, authentication,
 * routing, permissions, the throttle, the body, the handler; then commit-then-fail if asked for.
 */
async function executeAdmitted(core: SimCore, call: GraphCall, batch: BatchRunner | undefined, mailbox?: { id: string; overConcurrency: boolean }): Promise<Outcome> {
  const started = Date.now();
  const found = lookup(core.routes, call.method, call.version, call.path);
  const isBatch = batch !== undefined && call.method === 'POST' && /^\/\$batch$/i.test(call.path);
  const op = isBatch ? 'batch' : found.kind === 'match' ? found.match.route.op : undefined;
  if (op) core.count(op);
  // So that a benchmark can tell operations from HTTP requests (a batch of n is one request).
  if (call.batchRequestId) core.count('batch.items');
  let appId = call.caller?.app.appId;
  const finish = (outcome: Outcome): Outcome => {
    const status = outcome.kind === 'respond' ? outcome.result.status : 0;
    core.record({
      method: call.method,
      path: call.rawUrl,
      status,
      requestId: call.requestId,
      at: new Date(started).toISOString(),
      ...(appId ? { appId } : {}),
      ...(op ? { operation: op } : {}),
      clientRequestId: call.clientRequestId,
      ...(call.batchRequestId ? { batchRequestId: call.batchRequestId } : {}),
      durationMs: Date.now() - started,
    });
    return { ...outcome, ...(appId ? { appId } : {}) };
  };
  const fail = (err: GraphError) => finish({ kind: 'respond', result: errorResult(core, call, err) });

  const fault = core.faults.pick(call.method, call.path, true);
  let commitThenFail = false;
  if (fault) {
    switch (fault.kind) {
      case 'latency':
        // A batch's latency is its items' (each meets the rule): the envelope adds none.
        if (!isBatch) await sleep(fault.latencyMs ?? 1000, core.closing.signal);
        break;
      case 'timeout':
        if (call.batchRequestId) return fail(faultError(504));
        return finish({ kind: 'hang', ...(fault.latencyMs !== undefined ? { ms: fault.latencyMs } : {}) });
      case 'status':
        return fail(faultError(fault.status ?? 503, fault.retryAfterSeconds));
      case 'throttle': {
        const err = faultError(fault.status ?? 429, fault.retryAfterSeconds ?? 1);
        err.headers['x-ms-throttle-scope'] = `Tenant_Application/ReadWrite/${core.state.tenantId}/injected`;
        return fail(err);
      }
      case 'commitThenFail':
        commitThenFail = true;
        break;
    }
  }

  try {
    const caller = call.caller ?? authenticate(core, call);
    appId = caller.app.appId;
    if (isBatch) {
      const result = await batch(core, call, caller);
      return finish({ kind: 'respond', result });
    }
    if (found.kind === 'method') throw new GraphError(405, 'Request_BadRequest', `The HTTP method '${call.method}' is not allowed for this resource.`);
    if (found.kind === 'none') throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${found.segment}'.`);
    const { route, params } = found.match;
    if (route.permissions.length > 0 && !route.permissions.some((p) => caller.roles.includes(p))) throw denied();
    if (mailbox?.overConcurrency) throw new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'retry-after': '1' });
    const cost = route.cost ?? 1;
    const verdict = core.throttle.check(core.state.tenantId, caller.app.appId, route.write, cost, core.clock.now());
    if (verdict) {
      throw new GraphError(429, 'TooManyRequests', 'Too many requests. Please retry after the time in the Retry-After header.', {
        'retry-after': String(verdict.retryAfterSeconds),
        'x-ms-throttle-scope': verdict.scope,
        'x-ms-throttle-information': verdict.information,
      });
    }
    // Counted once past the tenant's bucket: a request refused there never reached the mailbox.
    const mailboxWaitMs = mailbox ? core.mailboxRequests.admit(mailbox.id, core.clock.now()) : 0;
    if (mailboxWaitMs > 0) {
      throw new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxRequests limit.', { 'retry-after': String(Math.ceil(mailboxWaitMs / 1000)) });
    }
    if (call.bodyError) throw call.bodyError;
    const result = route.handle({
      req: { ...call, app: caller.app, roles: caller.roles },
      params,
      state: core.state,
      baseUrl: core.baseUrl,
    });
    result.headers = { ...result.headers, 'x-ms-resource-unit': String(cost) };
    if (commitThenFail && result.status < 400) {
      if (fault?.dropConnection && !call.batchRequestId) return finish({ kind: 'drop' });
      return fail(new GraphError(fault?.status ?? 500, STATUS_CODES[fault?.status ?? 500] ?? 'generalException', 'An internal server error occurred after the change was saved (injected commit-then-fail).'));
    }
    return finish({ kind: 'respond', result });
  } catch (err) {
    if (err instanceof GraphError) return fail(err);
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`[graph-sim] internal error on ${call.method} ${call.rawUrl}: ${message}\n`);
    return fail(new GraphError(500, 'generalException', 'An internal server error occurred.'));
  }
}
