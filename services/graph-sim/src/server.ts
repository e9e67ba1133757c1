import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AUTHORITY_PATH, handleAuthority } from './auth/authority';
import { runBatch } from './batch';
import type { SimCertificate } from './cert';
import { handleControl, type SimControl } from './control';
import type { SimCore } from './core';
import { GraphError, errorBody } from './graph/errors';
import type { ApiVersion } from './graph/route';
import { GRAPH_JSON, json, sleep, type HttpOut } from './http';
import { executeGraph, type GraphCall } from './pipeline';

const MAX_BODY = 4 * 1024 * 1024;
const VERSIONED = /^\/(v1\.0|beta)(\/.*)?$/i;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** JSON bodies as Graph reads them: anything that is not JSON is a 400, answered after auth. */
function parseJson(raw: Buffer, contentType: string | undefined): { body?: unknown; error?: GraphError } {
  if (raw.length === 0) return {};
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  if (contentType && !/json/i.test(contentType)) {
    return { error: new GraphError(415, 'UnsupportedMediaType', `Content-Type '${contentType}' is not supported; send application/json.`) };
  }
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { error: new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.') };
  }
}

function write(res: ServerResponse, out: HttpOut, requestId: string, clientRequestId: string): void {
  const headers: Record<string, string> = {
    'request-id': requestId,
    'client-request-id': clientRequestId,
    'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"graph-sim","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"local"}}',
    'cache-control': 'no-cache',
    ...out.headers,
  };
  if (out.body === undefined) {
    delete headers['content-type'];
    res.writeHead(out.status, { ...headers, 'content-length': '0' });
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(out.body));
  res.writeHead(out.status, { ...headers, 'content-length': String(payload.length) });
  res.end(payload);
}

export function createSimServer(core: SimCore, control: SimControl, cert: SimCertificate): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const header = req.headers['client-request-id'];
    const clientRequestId = (Array.isArray(header) ? header[0] : header) || requestId;
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }

    if (path.startsWith('/_sim/') || path === '/_sim') {
      const parsed = parseJson(raw, undefined);
      const out = parsed.error
        ? json(400, { error: parsed.error.message })
        : handleControl(control, core, method, path, query, parsed.body);
      return write(res, out, requestId, clientRequestId);
    }

    if (AUTHORITY_PATH.test(path)) {
      const started = Date.now();
      const fault = core.faults.pick(method, path, false);
      let out: HttpOut;
      if (fault && (fault.kind === 'status' || fault.kind === 'throttle')) {
        const status = fault.status ?? (fault.kind === 'throttle' ? 429 : 503);
        out = json(status, { error: 'temporarily_unavailable', error_description: `AADSTS90033: A transient error has occurred (injected ${status}).`, error_codes: [90033] },
          fault.retryAfterSeconds !== undefined || fault.kind === 'throttle' ? { 'retry-after': String(fault.retryAfterSeconds ?? 1) } : {});
      } else if (fault?.kind === 'timeout') {
        core.record({ method, path: rawUrl, status: 0, requestId, at: new Date(started).toISOString(), operation: 'token' });
        return;
      } else {
        if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 1000, core.closing.signal);
        out = handleAuthority({
          state: core.state,
          issuer: core.issuer,
          baseUrl: core.baseUrl,
          tokenLifetimeSeconds: core.tokenLifetimeSeconds,
          correlationId: clientRequestId,
          requestId,
        }, method, path, raw.toString('utf8'));
      }
      const op = path.endsWith('/token') ? 'token' : path.endsWith('/keys') ? 'jwks' : 'openid-configuration';
      core.count(op);
      core.record({ method, path: rawUrl, status: out.status, requestId, at: new Date(started).toISOString(), operation: op, clientRequestId, durationMs: Date.now() - started });
      return write(res, out, requestId, clientRequestId);
    }

    const v = VERSIONED.exec(path);
    if (!v) {
      const body = errorBody('NotFound', `No Graph or authority route for '${path}'. Graph lives under /v1.0 and /beta.`, requestId, clientRequestId, core.clock.graphDate());
      core.record({ method, path: rawUrl, status: 404, requestId, at: new Date().toISOString(), clientRequestId });
      return write(res, { status: 404, headers: { 'content-type': GRAPH_JSON }, body }, requestId, clientRequestId);
    }
    const parsed = parseJson(raw, req.headers['content-type']);
    const call: GraphCall = {
      method,
      version: ((v[1] as string).toLowerCase() === 'beta' ? 'beta' : 'v1.0') as ApiVersion,
      path: v[2] ?? '/',
      rawUrl,
      query,
      headers: req.headers as Record<string, string | undefined>,
      body: parsed.body,
      ...(parsed.error ? { bodyError: parsed.error } : {}),
      requestId,
      clientRequestId,
    };
    const outcome = await executeGraph(core, call, runBatch);
    if (outcome.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (outcome.kind === 'hang') {
      if (outcome.ms === undefined) return; // held until the client gives up or the simulator closes
      await sleep(outcome.ms, core.closing.signal);
      if (res.destroyed) return;
      const body = errorBody('GatewayTimeout', 'The request timed out (injected).', requestId, clientRequestId, core.clock.graphDate());
      return write(res, { status: 504, headers: { 'content-type': GRAPH_JSON }, body }, requestId, clientRequestId);
    }
    const { result } = outcome;
    const headers: Record<string, string> = { ...result.headers };
    if (result.body !== undefined) headers['content-type'] = GRAPH_JSON;
    write(res, { status: result.status, headers, body: result.body }, requestId, clientRequestId);
  };

  const server = createServer({ key: cert.keyPem, cert: cert.certPem, keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      process.stderr.write(`[graph-sim] ${String(err)}\n`);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"generalException","message":"internal error"}}');
      }
    });
  });
  return server;
}
