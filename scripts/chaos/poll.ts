/**
 * Waits on a condition, never on a fixed sleep: `probe` is asked every `intervalMs` until it
 * returns something other than null/undefined/false, or `timeoutMs` is over.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const until = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= until) break;
    await pause(opts.intervalMs ?? 100);
  }
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** The gap between two polls, or a simulated client's backoff; never a test's way to wait for an outcome. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
