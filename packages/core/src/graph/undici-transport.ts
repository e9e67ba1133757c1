import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { Agent, errors as undiciErrors, interceptors, request, type Dispatcher } from 'undici';

/**
 * The last link of the Graph SDK's middleware chain, in place of its HTTPMessageHandler (which
 * calls the global fetch). It sends the call with undici's `request` on a keep-alive Agent and
 * hands the SDK an answer with the part of the Fetch `Response` the SDK reads. Why: in a burst
 * the worker spent about 15 % of its CPU inside fetch (Request and Response objects, web
 * streams, header guards), for calls that only need a status, a few headers and a JSON body.
 *
 * Kept as fetch had it: TLS trusts Node's default store, NODE_EXTRA_CA_CERTS included (no `ca`
 * is passed); the AbortSignal that CallMiddleware sets bounds the whole call, body included,
 * and an abort rejects with the signal's reason (TimeoutError), as fetch does; any other failure
 * without an answer rejects as fetch's `TypeError: fetch failed` with the cause attached, so
 * graph-errors.ts sorts it exactly as before; redirects are followed (at most 20, as fetch).
 */
export class UndiciMessageHandler implements Middleware {
  readonly #dispatcher: Dispatcher;

  /**
   * One keep-alive Agent per gateway, with the defaults of fetch's own (idle sockets close after
   * 4 s), following redirects as fetch does (at most 20).
   */
  constructor(dispatcher: Dispatcher = new Agent().compose(interceptors.redirect({ maxRedirections: 20 }))) {
    this.#dispatcher = dispatcher;
  }

  async execute(context: Context): Promise<void> {
    if (typeof context.request !== 'string') {
      // The SDK always passes a URL string; a Request object (not used by our adapter) goes the old way.
      context.response = await fetch(context.request, context.options);
      return;
    }
    const o = context.options ?? {};
    const signal = o.signal ?? undefined;
    try {
      const res = await request(context.request, {
        dispatcher: this.#dispatcher,
        method: (o.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
        headers: plainHeaders(o.headers),
        body: requestBody(o.body),
        signal,
      });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      context.response = new GraphAnswer(context.request, res.statusCode, res.headers, bytes) as unknown as Response;
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (err instanceof undiciErrors.RequestAbortedError) throw err;
      throw new TypeError('fetch failed', { cause: err });
    }
  }
}

type RequestHeaders = Record<string, string>;
type FetchOptions = NonNullable<Context['options']>;

export function plainHeaders(h: FetchOptions['headers']): RequestHeaders {
  if (!h) return {};
  const out: RequestHeaders = {};
  if (h instanceof Headers || Array.isArray(h)) {
    for (const [k, v] of h) out[k.toLowerCase()] = v;
    return out;
  }
  for (const k of Object.keys(h)) {
    const v = (h as Record<string, string | undefined>)[k];
    if (v !== undefined) out[k.toLowerCase()] = String(v);
  }
  return out;
}

/** The SDK serialises JSON to a string; anything else it may hand on is sent as fetch would. */
function requestBody(body: FetchOptions['body']): string | Buffer | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError(`UndiciMessageHandler: unsupported request body type ${Object.prototype.toString.call(body)}`);
}

/** Statuses whose Fetch Response has a null body. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * A read-only answer with the members of the Fetch `Response` that the SDK's
 * GraphResponseHandler, GraphErrorHandler and our CallMiddleware read: status, ok, headers,
 * json/text/arrayBuffer/blob and body. The body is already in memory (Graph answers are small),
 * and JSON is parsed straight from it, with no web stream in between.
 */
export class GraphAnswer {
  readonly type = 'basic';
  readonly redirected = false;
  readonly statusText = '';
  readonly headers: AnswerHeaders;
  #bytes: Buffer | null;
  #used = false;
  #stream: ReadableStream<Uint8Array> | null | undefined;

  #json: { value: unknown } | undefined;

  /**
   * `json`, when given, is the body already parsed (a `$batch` item's, which arrives parsed
   * inside the envelope): `json()` hands it on instead of serialising it to parse it again.
   */
  constructor(
    readonly url: string,
    readonly status: number,
    headers: Record<string, string | string[] | undefined>,
    bytes: Buffer | null,
    json?: { value: unknown },
  ) {
    this.headers = new AnswerHeaders(headers);
    this.#bytes = bytes;
    this.#json = json;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /**
   * The SDK hands this on as the call's result when the answer has no JSON or text type (the
   * 202 of sendMail), and the adapter never reads it. So an empty body is null here, where
   * fetch gave an empty stream: building one cost ~20-70 µs of CPU per call.
   */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream === undefined) {
      const bytes = this.#raw();
      this.#stream =
        NULL_BODY_STATUS.has(this.status) || bytes.length === 0
          ? null
          : new ReadableStream<Uint8Array>({
              start(c) {
                c.enqueue(new Uint8Array(bytes));
                c.close();
              },
            });
    }
    return this.#stream;
  }

  #raw(): Buffer {
    this.#bytes ??= this.#json === undefined || this.#json.value === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(this.#json.value), 'utf8');
    return this.#bytes;
  }

  #take(): Buffer {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#raw();
  }

  async text(): Promise<string> {
    return this.#take().toString('utf8');
  }

  async json(): Promise<unknown> {
    if (this.#json !== undefined && this.#bytes === null) {
      if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
      this.#used = true;
      return this.#json.value;
    }
    return JSON.parse(this.#take().toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.#take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async blob(): Promise<Blob> {
    return new Blob([this.#take()], { type: this.headers.get('content-type') ?? '' });
  }
}

/**
 * Read-only answer headers with the Fetch `Headers` reading rules (case-insensitive names,
 * repeated values joined with ", "). Private fields, so logging or serialising the SDK's
 * GraphError (which keeps `headers`) shows no more than a Fetch `Headers` did: `{}`.
 */
class AnswerHeaders {
  readonly #map = new Map<string, string>();

  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const k of Object.keys(raw)) {
      const v = raw[k];
      if (v !== undefined) this.#map.set(k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v);
    }
  }

  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  forEach(fn: (value: string, name: string, parent: AnswerHeaders) => void): void {
    for (const [k, v] of this.#map) fn(v, k, this);
  }

  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }

  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  values(): IterableIterator<string> {
    return this.#map.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
}
