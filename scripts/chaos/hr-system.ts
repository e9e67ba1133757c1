import { Webhook } from 'standardwebhooks';
import { pause } from './poll';

export interface Delivery {
  eventId: string;
  employeeId: string;
  /** The 2xx that ended the delivery: 202 accepted, 200 duplicate. */
  status: 200 | 202;
  /** Non-2xx answers (and network errors, as 0) met before it, by status. */
  refusals: Record<number, number>;
  attempts: number;
}

/**
 * A simulated HR system: it signs each attempt afresh (Standard Webhooks, new timestamp, the
 * same webhook-id) and redelivers on anything but 2xx, honouring Retry-After (capped, so a run
 * stays short). A 4xx other than 429 is a bug in the suite, not chaos: it stops the delivery.
 */
export class HrSystem {
  readonly #webhook: Webhook;
  readonly deliveries: Delivery[] = [];
  /** Refusals seen so far, all deliveries together, by status (0 = no answer). */
  readonly refusals: Record<number, number> = {};

  constructor(
    readonly apiUrl: string,
    secret: string,
    readonly opts: { maxBackoffMs: number; giveUpAfterMs: number } = { maxBackoffMs: 1_000, giveUpAfterMs: 120_000 },
  ) {
    this.#webhook = new Webhook(secret);
  }

  async deliver(eventId: string, event: { data: { employeeId: string } }): Promise<Delivery> {
    const payload = JSON.stringify(event);
    const refusals: Record<number, number> = {};
    const until = Date.now() + this.opts.giveUpAfterMs;
    for (let attempt = 1; ; attempt++) {
      const at = new Date();
      let status = 0;
      let retryAfterMs = 250;
      let body = '';
      try {
        const res = await fetch(`${this.apiUrl}/webhooks/hr`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': eventId,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': this.#webhook.sign(eventId, at, payload),
          },
          body: payload,
          signal: AbortSignal.timeout(15_000),
        });
        status = res.status;
        body = await res.text();
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
      } catch {
        status = 0;
      }
      if (status === 200 || status === 202) {
        const d: Delivery = { eventId, employeeId: event.data.employeeId, status, refusals, attempts: attempt };
        this.deliveries.push(d);
        return d;
      }
      refusals[status] = (refusals[status] ?? 0) + 1;
      this.refusals[status] = (this.refusals[status] ?? 0) + 1;
      if (status >= 400 && status < 500 && status !== 429) {
        throw new Error(`webhook ${eventId} refused with ${status}: ${body.slice(0, 300)}`);
      }
      if (Date.now() > until) throw new Error(`webhook ${eventId}: no 2xx within ${this.opts.giveUpAfterMs} ms (last ${status})`);
      await pause(Math.min(this.opts.maxBackoffMs, retryAfterMs));
    }
  }
}
