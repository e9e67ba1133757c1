import { describe, expect, it } from 'vitest';
import { ThrottledError, TransientError } from '../errors';
import { WriteWindow } from './write-window';

/** A write that stays in flight until the test settles it. */
function pending() {
  let settle!: (err?: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve('ok'));
  });
  return { write: () => done, settle };
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const throttled = (retryAfterMs = 1) => new ThrottledError('429', retryAfterMs);

describe('WriteWindow', () => {
  it('starts open: up to max writes run at once and nothing waits', async () => {
    const w = new WriteWindow(3);
    const writes = [pending(), pending(), pending()];
    const runs = writes.map((p) => w.run(p.write));
    await tick();
    expect(w.inFlight).toBe(3);
    expect(w.waiting).toBe(0);
    writes.forEach((p) => p.settle());
    expect(await Promise.all(runs)).toEqual(['ok', 'ok', 'ok']);
    expect(w.width).toBe(3);
  });

  it('halves on each 429, not below one, and widens by 1/width per accepted write', async () => {
    const w = new WriteWindow(8);
    const eight = Array.from({ length: 8 }, pending);
    const runs = eight.map((p) => w.run(p.write).catch((e: Error) => e));
    await tick();
    for (const p of eight.slice(0, 4)) p.settle(throttled()); // 8 → 4 → 2 → 1 → 1
    await tick();
    expect(w.width).toBe(1);
    for (const p of eight.slice(4)) p.settle();
    await Promise.all(runs);
    // 1 → 2 → 2.5 → 2.9 → 3.25: four accepted writes open it to 3.
    expect(w.width).toBe(3);
  });

  it("ignores a mailbox's throttle: Outlook's limit on the notice sender is not the tenant's write budget", async () => {
    const w = new WriteWindow(4);
    const mail = pending();
    const run = w.run(mail.write).catch((e: Error) => e);
    mail.settle(new ThrottledError('429 ApplicationThrottled', 60_000, undefined, true, 'mailbox'));
    expect(await run).toBeInstanceOf(ThrottledError);
    expect(w.width).toBe(4);
    const next = pending();
    const after = w.run(next.write);
    await tick();
    expect(w.inFlight).toBe(1);
    next.settle();
    expect(await after).toBe('ok');
  });

  it("closes for the 429's Retry-After: writes that come meanwhile wait, then go through as wide as it is", async () => {
    const w = new WriteWindow(4);
    const first = pending();
    const run = w.run(first.write).catch((e: Error) => e);
    first.settle(throttled(80));
    await run;
    expect(w.width).toBe(2);
    const started: number[] = [];
    const t0 = Date.now();
    const later = [1, 2, 3].map((n) => w.run(async () => void started.push(Date.now() - t0)));
    await sleep(30);
    expect(started).toEqual([]); // still closed
    expect(w.waiting).toBe(3);
    await Promise.all(later);
    expect(started).toHaveLength(3);
    expect(Math.min(...started)).toBeGreaterThanOrEqual(70);
    expect(w.inFlight).toBe(0);
  });

  it('holds back what does not fit, and hands slots on in arrival order', async () => {
    const w = new WriteWindow(1);
    const blocker = pending();
    const order: number[] = [];
    const head = w.run(blocker.write);
    const queued = [1, 2, 3].map((n) => w.run(async () => void order.push(n)));
    await tick();
    expect(order).toEqual([]);
    expect(w.waiting).toBe(3);
    blocker.settle();
    await Promise.all([head, ...queued]);
    expect(order).toEqual([1, 2, 3]);
    expect(w.inFlight).toBe(0);
  });

  it('other failures neither narrow nor close it, and give their slot back', async () => {
    const w = new WriteWindow(2);
    await expect(w.run(() => Promise.reject(new TransientError('503')))).rejects.toBeInstanceOf(TransientError);
    expect(w.width).toBe(2);
    expect(w.inFlight).toBe(0);
    expect(await w.run(async () => 'next')).toBe('next');
  });
});
