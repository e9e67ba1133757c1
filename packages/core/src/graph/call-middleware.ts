import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';

/**
 * Per-request option: the middleware below fills in the `request-id` of Graph's answer, so
 * successful writes can cite it in the audit trail (the SDK only exposes it on errors).
 */
export class RequestIdCapture implements MiddlewareOptions {
  requestId?: string;
  status?: number;
}

export interface CallObserver {
  (event: { method: string; url: string; status: number | null; ms: number; requestId?: string }): void;
}

/**
 * Sits between the SDK's AuthenticationHandler and the HTTP transport (UndiciMessageHandler): bounds every call with
 * a timeout (an AbortSignal the transport honours; the adapter maps the abort to a transient
 * failure) and records the request-id. It deliberately does not retry: the only retry layer
 * is BullMQ's (RETRY_POLICY in jobs/job-catalog.ts).
 */
export class CallMiddleware implements Middleware {
  #next?: Middleware;

  constructor(
    private readonly timeoutMs: number,
    private readonly observe?: CallObserver,
  ) {}

  setNext(next: Middleware): void {
    this.#next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.#next) throw new Error('CallMiddleware needs a next middleware (the HTTP transport)');
    context.options = { ...context.options, signal: AbortSignal.timeout(this.timeoutMs) };
    const started = Date.now();
    const method = context.options?.method ?? 'GET';
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    try {
      await this.#next.execute(context);
    } finally {
      const requestId = context.response?.headers.get('request-id') ?? undefined;
      const capture = context.middlewareControl?.getMiddlewareOptions(RequestIdCapture) as RequestIdCapture | undefined;
      if (capture) {
        capture.requestId = requestId;
        capture.status = context.response?.status;
      }
      // Only method, path and status: never bodies, headers or tokens.
      this.observe?.({ method, url: loggablePath(url), status: context.response?.status ?? null, ms: Date.now() - started, requestId });
    }
  }
}

/**
 * The request path as it may be logged: no query string (filters hold device ids and names),
 * and user principal names (personal data) replaced, e.g. /v1.0/users/{upn}/manager.
 */
export function loggablePath(url: string): string {
  const path = url.split('?')[0] ?? url;
  return path.replace(/\/[^/]*(@|%40)[^/]*/gi, '/{upn}');
}
