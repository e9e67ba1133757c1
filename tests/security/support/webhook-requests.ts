import { createHmac, randomUUID } from 'node:crypto';

/**
 * Builds webhook requests byte by byte, for hostile input: a signature over exactly the bytes
 * sent (a BOM, invalid UTF-8), or headers taken apart on purpose.
 */
export interface WebhookRequest {
  payload: Buffer;
  headers: Record<string, string>;
}

export function sign(secret: string, id: string, timestampSeconds: number, body: Buffer): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest('base64')}`;
}

export function signedRequest(
  secret: string,
  body: string | Buffer,
  opts: { id?: string; at?: Date; contentType?: string | null } = {},
): WebhookRequest {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const id = opts.id ?? `msg_${randomUUID()}`;
  const ts = Math.floor((opts.at ?? new Date()).getTime() / 1000);
  const headers: Record<string, string> = {
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': sign(secret, id, ts, payload),
  };
  if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
  return { payload, headers };
}

/** A yyyy-mm-dd `days` after today (UTC): in the future in every zone. */
export function dateAfter(days: number, from = new Date()): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A valid hire.created for a user the sample tenant has, as a mutable object. */
export function validHire(over: Record<string, unknown> = {}, data: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'hire.created',
    timestamp: new Date().toISOString(),
    data: {
      employeeId: `E-${randomUUID().slice(0, 8)}`,
      userPrincipalName: 'jane.doe@contoso.com',
      managerUserPrincipalName: 'sam.lee@contoso.com',
      startDate: dateAfter(10),
      timeZone: 'America/New_York',
      activationTime: '08:00',
      deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44',
      tap: { lifetimeMinutes: 120, isUsableOnce: false },
      ...data,
    },
    ...over,
  };
}

/** `validHire` with one data field replaced (or removed, with `undefined`), serialised. */
export function hireWith(data: Record<string, unknown>): string {
  const body = validHire({}, data);
  const d = body.data as Record<string, unknown>;
  for (const [k, v] of Object.entries(data)) if (v === undefined) delete d[k];
  return JSON.stringify(body);
}
