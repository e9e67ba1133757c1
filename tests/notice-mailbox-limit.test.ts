import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/stack';
import { waitFor } from './helpers/wait-for';
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

/**
 * Outlook's other limit, requests per mailbox per 10 minutes (graph.md "Notices"), here 2 per
 * 8 s: its 429 (`ApplicationThrottled`, Retry-After until a request leaves the window) holds the
 * notices of that sender and nothing else. Before, every 429 paused the whole onboarding queue,
 * so a throttled notice mailbox would have held every hire's pass for its Retry-After.
 */
describe("a throttled sender mailbox holds the notices, not the passes", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stack.sim.control.setMailboxRequestLimit({ requests: 2, windowMs: 8_000 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const sendsOf = () => stack.sim.control.requests().filter((e) => e.operation === 'sendMail');

  it('issues a pass at once while the mailbox is throttled, sends every notice once the window allows, and never pauses the queue', async () => {
    const first = HIRES.slice(0, 3);
    await Promise.all(first.map((upn, i) => postHire(stack, `E-RATE-${i + 1}`, upn)));
    // Two notices go out; the third is refused and pauses the mailbox for its Retry-After.
    await waitFor('a sendMail refused by the mailbox window', async () => (sendsOf().some((e) => e.status === 429) ? true : null), 20_000);

    const postedAt = Date.now();
    await postHire(stack, 'E-RATE-4', HIRES[3]!);
    const r = await recordWhen(stack, 'E-RATE-4', 'pass issued', (x) => x.steps.tap.state === 'done', 20_000);
    const passAfterMs = Date.now() - postedAt;
    // The mailbox's pause is about 8 s; the pass does not wait for it.
    expect(passAfterMs).toBeLessThan(5_000);
    expect(r.notice.state).not.toBe('sent');

    const all = await Promise.all([...first, HIRES[3]!].map((_, i) => recordWhen(stack, `E-RATE-${i + 1}`, 'notified', (x) => x.status === 'notified', 60_000)));
    expect(all.map((x) => x.notice.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
    const sends = sendsOf();
    expect(sends.filter((e) => e.status === 202)).toHaveLength(4);
    const refused = sends.filter((e) => e.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // Senders wait out the shared pause instead of each drawing a 429 of their own: at most one
    // refusal per slot in flight when the window closed, per window.
    expect(refused.length).toBeLessThanOrEqual(4);
    const lines = stack.logs.lines.map((l) => JSON.parse(l) as { msg?: string; reason?: string });
    expect(lines.filter((l) => l.msg === 'Graph throttled: pausing the queue')).toEqual([]);
    expect(lines.some((l) => l.msg === 'waiting on a condition: job re-delayed' && /mailbox/.test(l.reason ?? ''))).toBe(true);
  }, 90_000);
});
