import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { GraphAnswer, plainHeaders } from './undici-transport';

/** Graph's limit on the requests in one `POST /$batch` (graph.md "JSON batching"). */
export const GRAPH_BATCH_LIMIT = 20;

/**
 * Per-call option: the adapter marks the calls that may share a `$batch`. Only quick calls whose
 * repeat is harmless are marked (reads, group membership, TAP list, create and delete, Intune
 * sync): a batch answers when its slowest item does, and an envelope that gets no answer leaves
 * every write in it in doubt. sendMail is not marked: Outlook is slower and has its own
 * per-mailbox limit, and a notice in doubt is not sent again.
 */
export class MayBatch implements MiddlewareOptions {}
export const MAY_BATCH = new MayBatch();

export interface BatchingOptions {
  /** Most calls sent in one `$batch` (2–20); 1 sends every call on its own. */
  maxRequests: number;
  /** Bound on one `$batch` round trip (the per-call bound is CallMiddleware's). */
  timeoutMs: number;
  /** Told about every `$batch` sent, with its size (for metrics and the benchmarks). */
  onBatch?: (size: number) => void;
}

interface Waiting {
  context: Context;
  item: BatchItem;
  /** Called once: the first of answer, failure or abort wins. */
  settle: (error: unknown, answer?: GraphAnswer) => void;
  done: boolean;
}

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

interface Lane {
  /** `https://host/v1.0/$batch`: items of one API version go in one batch. */
  batchUrl: string;
  authorization: string;
  waiting: Waiting[];
  scheduled: boolean;
}

interface BatchAnswer {
  responses?: Array<{ id?: unknown; status?: unknown; headers?: Record<string, unknown>; body?: unknown }>;
}

/** Headers a batch item must not carry: the envelope's own, and hop-by-hop ones. */
const ENVELOPE_HEADERS = new Set(['authorization', 'host', 'content-length', 'connection', 'accept-encoding', 'keep-alive', 'transfer-encoding']);
const BATCHABLE_METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Sits between CallMiddleware and the HTTP transport and sends the Graph calls that concurrent
 * jobs make at the same moment as one `POST /$batch` (JSON batching), then hands each call its
 * own item's answer as if it had gone alone. Why: each Graph call cost the worker an HTTP
 * exchange over TLS, and Graph's front door (or the simulator) one more request to parse; a batch
 * of n calls costs one. Measured (bench/HISTORY.md, fourth session): in a burst, where connections stay open,
 * 7 HTTP requests per onboarding become 2.3, for 6 % less worker CPU and 14 % less simulator
 * CPU; at an activation instant, after idle sockets have closed, 50 calls share 2 TLS connections
 * instead of opening 49 (a tenth of the CPU on both sides), and the activation lag's p99 falls
 * from about 2 s to 1.2–1.4 s.
 *
 * What stays exactly as before, because every call still gets its own answer below the SDK:
 * - the SDK's response and error handling, the adapter's outcome mapping, and the retry rules.
 *   A throttled item is a 429 with its own Retry-After, a 404 a 404, "already a member" a 400;
 *   nothing retries inside a batch (graph.md: SDKs do not), so BullMQ's attempts stay the one
 *   retry layer and the write window still sees every 429;
 * - per-call timeouts: a call whose signal fires while it waits or is in flight fails at once
 *   with the signal's reason; the batch goes on for the others;
 * - a call alone in its moment is sent as a plain request, with no envelope.
 *
 * When calls are grouped: the calls enqueued in one turn of the event loop go out together at
 * its end (`setImmediate`), 20 at most per batch. There is no timer and no wait: at low load
 * every call leaves alone and at once; under load, when many jobs resume in the same turn, their
 * calls share a batch. Only calls with the same API version and the same access token share one.
 *
 * A failed envelope (a 429, 503 or 401 on the `$batch` itself) is every item's answer; no answer
 * at all (network, timeout) fails every item with the transport's error.
 */
export class BatchingMessageHandler implements Middleware {
  readonly #next: Middleware;
  readonly #opts: BatchingOptions;
  readonly #lanes = new Map<string, Lane>();
  #ids = 0;

  constructor(next: Middleware, opts: BatchingOptions) {
    this.#next = next;
    this.#opts = { ...opts, maxRequests: Math.max(1, Math.min(GRAPH_BATCH_LIMIT, Math.floor(opts.maxRequests))) };
  }

  async execute(context: Context): Promise<void> {
    const planned = this.#opts.maxRequests > 1 ? batchPlan(context) : null;
    if (!planned) return this.#next.execute(context);
    const signal = context.options?.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    context.response = (await new Promise<GraphAnswer>((resolve, reject) => {
      const lane = this.#lane(planned.batchUrl, planned.authorization);
      const w: Waiting = {
        context,
        item: { ...planned.item, id: String(++this.#ids) },
        done: false,
        settle: (error, answer) => {
          signal?.removeEventListener('abort', onAbort);
          if (answer) resolve(answer);
          else reject(error);
        },
      };
      const onAbort = () => {
        const i = lane.waiting.indexOf(w);
        if (i >= 0) lane.waiting.splice(i, 1);
        settleOnce(w, signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      lane.waiting.push(w);
      if (lane.waiting.length >= this.#opts.maxRequests) this.#send(lane.waiting.splice(0, this.#opts.maxRequests), lane);
      else if (!lane.scheduled) {
        lane.scheduled = true;
        setImmediate(() => this.#flush(lane));
      }
    })) as unknown as Response;
  }

  #lane(batchUrl: string, authorization: string): Lane {
    const key = `${batchUrl}\n${authorization}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { batchUrl, authorization, waiting: [], scheduled: false };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  #flush(lane: Lane): void {
    lane.scheduled = false;
    while (lane.waiting.length > 0) this.#send(lane.waiting.splice(0, this.#opts.maxRequests), lane);
    // A token renewal leaves its old lane behind; drop lanes with nothing waiting.
    this.#lanes.delete(`${lane.batchUrl}\n${lane.authorization}`);
  }

  #send(group: Waiting[], lane: Lane): void {
    if (group.length === 1) {
      const [w] = group as [Waiting];
      this.#next.execute(w.context).then(
        () => settleOnce(w, undefined, w.context.response as unknown as GraphAnswer),
        (err: unknown) => settleOnce(w, err),
      );
      return;
    }
    this.#opts.onBatch?.(group.length);
    const envelope: Context = {
      request: lane.batchUrl,
      options: {
        method: 'POST',
        headers: { authorization: lane.authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ requests: group.map((w) => w.item) }),
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
      },
    };
    this.#next.execute(envelope).then(
      () => deliver(group, envelope.response as unknown as GraphAnswer),
      (err: unknown) => {
        for (const w of group) settleOnce(w, err);
      },
    );
  }
}

function settleOnce(w: Waiting, error: unknown, answer?: GraphAnswer): void {
  if (w.done) return;
  w.done = true;
  w.settle(error, answer);
}

/** Hands each waiting call its item's answer (or the failed envelope's, to every one). */
async function deliver(group: Waiting[], envelope: GraphAnswer): Promise<void> {
  const envelopeRequestId = envelope.headers.get('request-id');
  let parsed: BatchAnswer;
  try {
    if (envelope.status !== 200) {
      // Answers are read-only, so every call can share the one body.
      const bytes = Buffer.from(await envelope.arrayBuffer());
      const headers: Record<string, string> = {};
      envelope.headers.forEach((v, k) => (headers[k] = v));
      for (const w of group) settleOnce(w, undefined, new GraphAnswer(w.context.request as string, envelope.status, headers, bytes));
      return;
    }
    parsed = (await envelope.json()) as BatchAnswer;
  } catch (err) {
    for (const w of group) settleOnce(w, new TypeError('fetch failed', { cause: err }));
    return;
  }
  const byId = new Map<string, NonNullable<BatchAnswer['responses']>[number]>();
  for (const r of parsed.responses ?? []) if (typeof r?.id === 'string') byId.set(r.id, r);
  for (const w of group) {
    const r = byId.get(w.item.id);
    if (!r || typeof r.status !== 'number') {
      // Graph answered the envelope but not this item: as if the call got no answer (transient).
      settleOnce(w, new TypeError('fetch failed', { cause: new Error(`the $batch answer has no response for item ${w.item.id}`) }));
      continue;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    // Items carry no request-id of their own: the envelope's is the one Graph support can trace.
    if (!headers['request-id'] && envelopeRequestId) headers['request-id'] = envelopeRequestId;
    settleOnce(w, undefined, itemAnswer(w.context.request as string, r.status, headers, r.body));
  }
}

/**
 * A JSON item body arrives parsed inside the envelope and is handed on as it is (no second
 * serialise and parse); any other content type comes back base64-encoded.
 */
function itemAnswer(url: string, status: number, headers: Record<string, string>, body: unknown): GraphAnswer {
  if (body === undefined || body === null) return new GraphAnswer(url, status, headers, Buffer.alloc(0));
  if (typeof body === 'string' && !/json/i.test(headers['content-type'] ?? '')) return new GraphAnswer(url, status, headers, Buffer.from(body, 'base64'));
  return new GraphAnswer(url, status, headers, null, { value: body });
}

/**
 * The batch item for a call, or null when the call must go on its own: not marked MayBatch, not a Graph API path
 * (`/v1.0/…` or `/beta/…`), `$batch` itself, no bearer token, or a body that is not JSON.
 */
function batchPlan(context: Context): { batchUrl: string; authorization: string; item: Omit<BatchItem, 'id'> } | null {
  if (typeof context.request !== 'string') return null;
  if (!context.middlewareControl?.getMiddlewareOptions(MayBatch)) return null;
  const o = context.options ?? {};
  const method = (o.method ?? 'GET').toUpperCase();
  if (!BATCHABLE_METHODS.has(method)) return null;
  const m = /^(https?:\/\/[^/]+)\/(v1\.0|beta)(\/.*)$/i.exec(context.request);
  if (!m) return null;
  const [, origin, version, rest] = m as unknown as [string, string, string, string];
  if (/^\/\$batch(?:[/?]|$)/i.test(rest)) return null;
  const headers = plainHeaders(o.headers);
  const authorization = headers.authorization;
  if (!authorization) return null;
  let body: unknown;
  if (o.body !== undefined && o.body !== null) {
    if (typeof o.body !== 'string' || !/^application\/json\b/i.test(headers['content-type'] ?? '')) return null;
    try {
      body = JSON.parse(o.body);
    } catch {
      return null;
    }
  }
  const itemHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!ENVELOPE_HEADERS.has(k)) itemHeaders[k] = v;
  return {
    batchUrl: `${origin}/${version}/$batch`,
    authorization,
    item: { method, url: rest, headers: itemHeaders, ...(body !== undefined ? { body } : {}) },
  };
}
