/**
 * Outlook's per-mailbox concurrency limit (graph.md "Notices": 4 concurrent requests per
 * mailbox). A request over the limit is refused at once with Exchange's answer, 429
 * `ApplicationThrottled` "Application is over its MailboxConcurrency limit.", while the ones in
 * flight go on. Only the injected latency keeps a request in flight here (handlers are
 * synchronous), so the limit bites exactly when a test or benchmark slows Graph down.
 *
 * Outlook's other limit, 10,000 requests per 10 minutes per app and mailbox (graph.md "Notices"),
 * is MailboxRequestWindow below.
 */
export const OUTLOOK_MAILBOX_CONCURRENCY = 4;

export class MailboxConcurrency {
  readonly #inFlight = new Map<string, number>();
  readonly limit = OUTLOOK_MAILBOX_CONCURRENCY;

  /** Takes a slot for the mailbox, or answers false when all are taken. */
  enter(mailbox: string): boolean {
    const n = this.#inFlight.get(mailbox) ?? 0;
    if (n >= this.limit) return false;
    this.#inFlight.set(mailbox, n + 1);
    return true;
  }

  leave(mailbox: string): void {
    const n = (this.#inFlight.get(mailbox) ?? 1) - 1;
    if (n <= 0) this.#inFlight.delete(mailbox);
    else this.#inFlight.set(mailbox, n);
  }

  reset(): void {
    this.#inFlight.clear();
  }
}

export interface MailboxRequestLimit {
  requests: number;
  windowMs: number;
}

/** graph.md "Notices": 10,000 requests per 10 minutes per mailbox. */
export const OUTLOOK_MAILBOX_REQUESTS: MailboxRequestLimit = { requests: 10_000, windowMs: 10 * 60_000 };

/**
 * Outlook's requests per mailbox in a sliding window. A request over it is refused with
 * Exchange's family of answers, 429 `ApplicationThrottled`, and a Retry-After (whole seconds)
 * until the oldest request in the window leaves it. Microsoft documents the limit but not this
 * answer's message; ours follows the concurrency limit's ("Application is over its … limit.").
 * Refused requests do not count. One app per simulator, so the window is per mailbox.
 */
export class MailboxRequestWindow {
  #limit: MailboxRequestLimit = OUTLOOK_MAILBOX_REQUESTS;
  readonly #admitted = new Map<string, number[]>();

  configure(limit: MailboxRequestLimit | null): void {
    const next = limit ?? OUTLOOK_MAILBOX_REQUESTS;
    if (!(Number.isInteger(next.requests) && next.requests > 0 && Number.isFinite(next.windowMs) && next.windowMs > 0)) {
      throw new Error('the mailbox request limit needs whole requests > 0 and windowMs > 0');
    }
    this.#limit = { requests: next.requests, windowMs: next.windowMs };
    this.#admitted.clear();
  }

  current(): MailboxRequestLimit {
    return { ...this.#limit };
  }

  /** Counts a request to `mailbox` at `now` (ms), or returns the ms until one is allowed. */
  admit(mailbox: string, now: number): number {
    let times = this.#admitted.get(mailbox);
    if (!times) this.#admitted.set(mailbox, (times = []));
    // In arrival order: the expired ones are at the front.
    let expired = 0;
    while (expired < times.length && times[expired]! <= now - this.#limit.windowMs) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= this.#limit.requests) return times[0]! + this.#limit.windowMs - now;
    times.push(now);
    return 0;
  }

  reset(): void {
    this.configure(null);
  }
}
