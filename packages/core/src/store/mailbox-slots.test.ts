import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThrottledError, TransientError } from '../errors';
import { redisKeys } from './keys';
import { MailboxSlots } from './mailbox-slots';

const MAILBOX = 'hirepass-notices@contoso.com';

describe('MailboxSlots (Outlook concurrency per mailbox, shared through Redis)', () => {
  let a: Redis;
  let b: Redis;
  const prefix = `t-slots-${randomUUID().slice(0, 8)}`;
  beforeAll(() => {
    a = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    b = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}:*`);
    if (keys.length) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  it('hands out at most `limit` slots across processes; a waiter gets the first one released', async () => {
    const here = new MailboxSlots(a, prefix, 2);
    const there = new MailboxSlots(b, prefix, 2);
    const s1 = await here.acquire(MAILBOX);
    const s2 = await there.acquire(MAILBOX);
    let third = false;
    const waiting = here.acquire(MAILBOX.toUpperCase()).then((s) => {
      third = true;
      return s;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(third).toBe(false);
    expect(await a.zcard(redisKeys(prefix).mailboxSlots(MAILBOX))).toBe(2);
    await s1.release();
    const s3 = await waiting;
    expect(third).toBe(true);
    await Promise.all([s2.release(), s3.release()]);
    expect(await a.zcard(redisKeys(prefix).mailboxSlots(MAILBOX))).toBe(0);
  });

  it('frees the slot of a holder whose process died once its lease ends', async () => {
    const died = new MailboxSlots(b, prefix, 1, 5_000, 300);
    await died.acquire('dead@contoso.com'); // never released: that process is gone
    const slots = new MailboxSlots(a, prefix, 1, 5_000, 300);
    const started = Date.now();
    const next = await slots.acquire('dead@contoso.com');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await next.release();
  });

  it('in one process, hands a released slot straight to the next sender in line, in order', async () => {
    const slots = new MailboxSlots(a, prefix, 2);
    const held = [await slots.acquire('line@contoso.com'), await slots.acquire('line@contoso.com')];
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => slots.acquire('line@contoso.com').then((s) => (order.push(n), s)));
    await held[0]!.release();
    const first = await waiters[0]!;
    expect(order).toEqual([1]);
    await held[1]!.release();
    await first.release();
    const rest = await Promise.all(waiters.slice(1));
    expect(order).toEqual([1, 2, 3]);
    await Promise.all(rest.map((s) => s.release()));
    expect(await a.zcard(redisKeys(prefix).mailboxSlots('line@contoso.com'))).toBe(0);
  });

  it("a paused mailbox (Outlook throttled it) gives no slot to any process until the pause ends, and a shorter pause never cuts a longer one", async () => {
    const here = new MailboxSlots(a, prefix, 4);
    const there = new MailboxSlots(b, prefix, 4);
    await here.pause('Throttled@contoso.com', 400);
    await there.pause('throttled@contoso.com', 50);
    const refused = await there.acquire('throttled@contoso.com').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ThrottledError);
    expect(refused).toMatchObject({ scope: 'mailbox', retryAfterKnown: true });
    expect((refused as ThrottledError).retryAfterMs).toBeGreaterThan(200);
    expect((refused as ThrottledError).retryAfterMs).toBeLessThanOrEqual(400);
    expect((refused as Error).message).toContain('throttled@contoso.com');
    // The refused sender's local permit went back: all four can be taken once the pause is over.
    expect(await a.zcard(redisKeys(prefix).mailboxSlots('throttled@contoso.com'))).toBe(0);
    await new Promise((r) => setTimeout(r, (refused as ThrottledError).retryAfterMs + 20));
    const four = await Promise.all([1, 2, 3, 4].map(() => there.acquire('throttled@contoso.com')));
    await Promise.all(four.map((s) => s.release()));
    // Other mailboxes were never paused.
    await (await here.acquire('other@contoso.com')).release();
  });

  it('gives up after its wait with a retryable error naming the mailbox', async () => {
    const slots = new MailboxSlots(a, prefix, 1, 200);
    const held = await slots.acquire('busy@contoso.com');
    const err = await slots.acquire('busy@contoso.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toContain('busy@contoso.com');
    await held.release();
  });
});
