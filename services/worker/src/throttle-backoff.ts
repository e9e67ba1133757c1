/**
 * Graph asks for exponential backoff when a 429 carries no Retry-After (graph.md "Errors, in
 * general"). Throttling is per app and tenant, so the count of throttles in a row is kept per
 * worker process and shared by its queues: each 429 without Retry-After doubles the pause
 * (2 s, 4 s, … 5 min, with jitter); a job that completes resets it. A 429 with Retry-After is
 * honoured as given and leaves the count alone.
 */
export const THROTTLE_BASE_MS = 2_000;
export const THROTTLE_MAX_MS = 5 * 60_000;

export class ThrottleBackoff {
  #inARow = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** The pause after one more 429 without Retry-After. */
  next(): number {
    this.#inARow += 1;
    const exp = Math.min(THROTTLE_MAX_MS, THROTTLE_BASE_MS * 2 ** (this.#inARow - 1));
    return Math.round(exp / 2 + this.random() * (exp / 2));
  }

  reset(): void {
    this.#inARow = 0;
  }

  get inARow(): number {
    return this.#inARow;
  }
}
