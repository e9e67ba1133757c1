import { randomUUID } from 'node:crypto';
import type { SimCore } from './core';
import { GraphError } from './graph/errors';
import type { GraphResult } from './graph/route';
import { GRAPH_JSON } from './http';
import { errorResult, executeGraph, type GraphCall } from './pipeline';
import type { AppDefinition } from './tenant/types';

/**
 * JSON batching (graph.md): at most 20 items with unique ids; items run concurrently, each after
 * the items its dependsOn names; an item whose dependsOn failed answers 424; each item meets the
 * throttle and faults on its own (a throttled item is a 429 with its own Retry-After; a latency
 * rule delays each item, not the envelope, whose answer waits for its slowest item); the outer
 * answer is 200 whatever the items did.
 */
const MAX_ITEMS = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

const invalid = (message: string) => new GraphError(400, 'BadRequest', message);

function parseItems(body: unknown): BatchItem[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('Invalid batch payload format.');
  const keys = Object.keys(body);
  const unknown = keys.find((k) => k.toLowerCase() !== 'requests');
  if (unknown) throw invalid(`The property '${unknown}' does not exist on type 'microsoft.graph.batchRequest'.`);
  const requests = (body as { requests?: unknown }).requests;
  if (!Array.isArray(requests) || requests.length === 0) throw invalid('Invalid batch payload format.');
  if (requests.length > MAX_ITEMS) throw invalid(`The batch request exceeds the maximum of ${MAX_ITEMS} requests (it has ${requests.length}).`);
  const seen = new Set<string>();
  return requests.map((raw) => {
    const r = raw as Partial<BatchItem> & Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup'].includes(k)) throw invalid(`The property '${k}' does not exist on a batch request item.`);
    }
    if (typeof r.id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string') throw invalid('Invalid batch payload format.');
    if (seen.has(r.id)) throw invalid(`Batch request contains duplicate request id '${r.id}'.`);
    if (r.dependsOn !== undefined) {
      if (!Array.isArray(r.dependsOn) || r.dependsOn.some((d) => typeof d !== 'string' || !seen.has(d))) {
        throw invalid(`Request id '${r.id}' depends on a request id that is not defined before it in the batch.`);
      }
    }
    seen.add(r.id);
    const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    if (r.body !== undefined && !headers['content-type']) {
      throw invalid(`Write request id : ${r.id} does not contain Content-Type header or body.`);
    }
    return { id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn: r.dependsOn };
  });
}

function itemHeaders(result: GraphResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) {
    out[k === 'retry-after' ? 'Retry-After' : k] = v;
  }
  if (result.body !== undefined) out['Content-Type'] = GRAPH_JSON;
  return out;
}

export async function runBatch(
  core: SimCore,
  call: GraphCall,
  caller: { app: AppDefinition; roles: readonly string[] },
): Promise<GraphResult> {
  if (call.bodyError) throw call.bodyError;
  const items = parseItems(call.body);
  // Graph runs the items of a batch concurrently unless dependsOn orders them (graph.md), so
  // an item waits only for the items it names; the answers keep the order of the requests.
  const results = new Map<string, Promise<GraphResult>>();
  for (const item of items) {
    const deps = (item.dependsOn ?? []).map((d) => results.get(d) as Promise<GraphResult>);
    results.set(
      item.id,
      Promise.all(deps).then((done) => {
        const failed = done.findIndex((r) => r.status >= 400);
        if (failed >= 0) {
          const failedDep = (item.dependsOn ?? [])[failed] as string;
          return errorResult(core, call, new GraphError(424, 'FailedDependency', `Request failed because request '${failedDep}' it depends on failed.`));
        }
        return runItem(core, call, caller, item);
      }),
    );
  }
  const responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> = [];
  for (const item of items) {
    const result = await (results.get(item.id) as Promise<GraphResult>);
    responses.push({ id: item.id, status: result.status, headers: itemHeaders(result), ...(result.body !== undefined ? { body: result.body } : {}) });
  }
  return { status: 200, body: { responses } };
}

async function runItem(
  core: SimCore,
  outer: GraphCall,
  caller: { app: AppDefinition; roles: readonly string[] },
  item: BatchItem,
): Promise<GraphResult> {
  let url = item.url.startsWith('/') ? item.url : `/${item.url}`;
  let version = outer.version;
  const m = /^\/(v1\.0|beta)(\/.*)$/i.exec(url);
  if (m) {
    version = (m[1] as string).toLowerCase() === 'beta' ? 'beta' : 'v1.0';
    url = m[2] as string;
  }
  if (/^\/https?:/i.test(url) || /^\/\$batch/i.test(url)) {
    return errorResult(core, outer, new GraphError(400, 'BadRequest', `Invalid request URL '${item.url}' in a batch item.`));
  }
  const q = url.indexOf('?');
  const call: GraphCall = {
    method: item.method,
    version,
    path: q < 0 ? url : url.slice(0, q),
    rawUrl: item.url,
    query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
    headers: { ...item.headers },
    body: item.body,
    requestId: randomUUID(),
    clientRequestId: item.headers?.['client-request-id'] ?? outer.clientRequestId,
    caller,
    batchRequestId: outer.requestId,
  };
  const outcome = await executeGraph(core, call);
  return outcome.kind === 'respond' ? outcome.result : errorResult(core, outer, new GraphError(504, 'GatewayTimeout', 'The batch item timed out.'));
}
