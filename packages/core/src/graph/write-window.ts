import { ThrottledError } from '../errors';
import { delegateGateway } from './delegate-gateway';
import type { GraphGateway } from './graph.port';

/**
 * How many Graph writes one worker process lets be in flight, steered by Graph's 429s the way
 * TCP steers its congestion window: a throttled write halves the width and closes the window
 * for its Retry-After; an accepted write widens it by 1/width (up to `max`, where it starts,
 * so an unthrottled worker never waits).
 *
 * Why: a 429 pauses the queue for Retry-After (the failure policy), but jobs already running
 * went on writing, and when the pause ended every waiting job wrote at once: the refilled
 * bucket admitted a few and throttled the rest, pause after pause (2.7 429s per accepted write
 * at concurrency 50 in bench/throttled.bench.ts). Closed for the Retry-After and reopened a few
 * writes wide, the window spends the refill on writes that succeed, and only the writes in
 * flight when the bucket runs dry are refused. Graph's guidance is the same: keep sending
 * while throttled and the throttling lasts longer.
 *
 * Per process, not shared through Redis: each process narrows its own window on its own 429s,
 * so several processes converge on their shares of one tenant's budget.
 */
export class WriteWindow {
  #width: number;
  #inFlight = 0;
  #closedUntil = 0;
  #timer: NodeJS.Timeout | null = null;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly max: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`the write window needs a whole maximum of at least 1, not ${max}`);
    this.#width = max;
  }

  /** Writes that may be in flight at once. */
  get width(): number {
    return Math.floor(this.#width);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Writes waiting for the window to open or widen. */
  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(write: () => Promise<T>): Promise<T> {
    // A waiter is woken with its slot already counted (see #wake).
    if (!this.#waiting.length && this.#inFlight < this.width && this.now() >= this.#closedUntil) this.#inFlight += 1;
    else {
      const admitted = new Promise<void>((resolve) => this.#waiting.push(resolve));
      this.#wake();
      await admitted;
    }
    try {
      const out = await write();
      this.#width = Math.min(this.max, this.#width + 1 / this.#width);
      return out;
    } catch (err) {
      // A mailbox's throttle says nothing of the tenant's write budget (it holds its sender's
      // notices, through MailboxSlots).
      if (err instanceof ThrottledError && err.scope === 'tenant') {
        this.#width = Math.max(1, this.#width / 2);
        this.#closedUntil = Math.max(this.#closedUntil, this.now() + err.retryAfterMs);
      }
      throw err;
    } finally {
      this.#inFlight -= 1;
      this.#wake();
    }
  }

  /** Admits waiters, in arrival order, while the window is open and has room. */
  #wake(): void {
    const closedFor = this.#closedUntil - this.now();
    if (closedFor > 0) {
      if (this.#waiting.length && !this.#timer) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#wake();
        }, closedFor);
      }
      return;
    }
    while (this.#waiting.length && this.#inFlight < this.width) {
      this.#inFlight += 1;
      this.#waiting.shift()!();
    }
  }
}

/** `graph` with every write (group add and remove, TAP create and delete, mail, Intune sync) run through `window`. */
export function withWriteWindow(graph: GraphGateway, window: WriteWindow): GraphGateway {
  const paced = delegateGateway(graph);
  paced.addGroupMember = (groupId, objectId) => window.run(() => graph.addGroupMember(groupId, objectId));
  paced.removeGroupMember = (groupId, objectId) => window.run(() => graph.removeGroupMember(groupId, objectId));
  paced.createTemporaryAccessPass = (userId, req) => window.run(() => graph.createTemporaryAccessPass(userId, req));
  paced.deleteTemporaryAccessPass = (userId, methodId) => window.run(() => graph.deleteTemporaryAccessPass(userId, methodId));
  paced.sendMail = (senderUpn, message) => window.run(() => graph.sendMail(senderUpn, message));
  paced.syncManagedDevice = (managedDeviceId) => window.run(() => graph.syncManagedDevice(managedDeviceId));
  return paced;
}
