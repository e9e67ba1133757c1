import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Signs a body the way an HR system does (the reference Standard Webhooks implementation). */
export function signedWebhook(secret: string, body: unknown, opts: { id?: string; at?: Date } = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const id = opts.id ?? `msg_${randomUUID()}`;
  const at = opts.at ?? new Date();
  return {
    payload,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, payload),
    },
  };
}
