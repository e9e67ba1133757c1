/**
 * Outlook's per-mailbox concurrency limit (graph.md "Notices": 4 concurrent requests per
 * mailbox). A request over the limit is refused at once with Exchange's answer, 429
 * `ApplicationThrottled` "Application is over its MailboxConcurrency limit.", while the ones in
 * flight go on. Only the injected latency keeps a request in flight here (handlers are
 * synchronous), so the limit bites exactly when a test or benchmark slows Graph down.
 *
 * Not modelled: the 10,000 requests per 10 minutes per mailbox.
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
