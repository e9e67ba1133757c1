/** What the server writes: a status, headers and a JSON body (or none). */
export interface HttpOut {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpOut {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body };
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    // The listener goes when the sleep ends: the simulator's one closing signal sees every sleep.
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
