import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/stack';
import { postHire, recordWhen } from './readiness/hires';

const HIRES = Array.from({ length: 10 }, (_, i) => `hire${String(i + 1).padStart(2, '0')}@contoso.com`);

/** The most sendMail calls the simulator had in flight at once, from its request log. */
function peakInFlight(entries: { at: string; durationMs?: number }[]): number {
  const edges = entries.flatMap((e) => {
    const start = Date.parse(e.at);
    return [
      { t: start, d: 1 },
      { t: start + (e.durationMs ?? 0), d: -1 },
    ];
  });
  // An answer and the next arrival in the same millisecond do not overlap.
  edges.sort((x, y) => x.t - y.t || x.d - y.d);
  let now = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (now += e.d));
  return peak;
}

/**
 * Outlook serves 4 concurrent requests per mailbox and every notice comes from one sender
 * (graph.md "Notices"). With 20 jobs in flight and a slow sendMail, the worker must keep to 4
 * at a time: the simulator refuses a fifth with 429 ApplicationThrottled.
 */
describe("notices keep to Outlook's per-mailbox concurrency", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ workerEnv: { WORKER_CONCURRENCY: '20' } });
    stack.sim.control.setFaults([{ kind: 'latency', latencyMs: 400, pathPattern: '/sendMail$' }]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('sends ten notices due at once, never more than four at a time, none refused', async () => {
    await Promise.all(HIRES.map((upn, i) => postHire(stack, `E-MBX-${i + 1}`, upn)));
    await Promise.all(HIRES.map((_, i) => recordWhen(stack, `E-MBX-${i + 1}`, 'notified', (r) => r.status === 'notified', 60_000)));
    const sends = stack.sim.control.requests().filter((e) => e.operation === 'sendMail');
    expect(sends.map((e) => e.status)).toEqual(HIRES.map(() => 202));
    const peak = peakInFlight(sends);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  }, 90_000);
});
