import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signature check (spec/hr-webhook.md "Signing"), on the raw request bytes.
 *
 * Why not `standardwebhooks`' own `Webhook.verify` (1.1.1): its tolerance is a hard-coded
 * five minutes read from `Date.now()` (HR_WEBHOOK_TOLERANCE_SECONDS and an injected clock are
 * part of our contract), it accepts "123abc" as a timestamp (`parseInt`), and it turns a Buffer
 * body into a string before signing, so bytes that are not valid UTF-8 would be verified over
 * something other than what was sent. The library stays the reference signer in the tests.
 */

export type SignatureFailure =
  | 'missing-header'
  | 'malformed-id'
  | 'malformed-timestamp'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'malformed-signature'
  | 'no-matching-signature';

export type SignatureResult = { ok: true; webhookId: string; timestamp: number } | { ok: false; reason: SignatureFailure };

export interface SignatureInput {
  /** Header values as Node gives them: a repeated header arrives as an array, which is refused. */
  id: string | string[] | undefined;
  timestamp: string | string[] | undefined;
  signature: string | string[] | undefined;
  body: Buffer;
}

// webhook-id becomes part of Redis keys and audit entries: visible ASCII, bounded.
const WEBHOOK_ID = /^[\x21-\x7e]{1,256}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
// More candidate signatures than this is not a rotation, it is someone making us compute HMACs.
const MAX_SIGNATURES = 8;
const HMAC_SHA256_BYTES = 32;

export class WebhookVerifier {
  readonly #keys: Buffer[];

  /** `secrets` are the configured `whsec_<base64>` values (config already checked their format). */
  constructor(
    secrets: readonly string[],
    readonly toleranceSeconds: number,
  ) {
    if (secrets.length === 0) throw new Error('WebhookVerifier needs at least one secret');
    this.#keys = secrets.map((s) => Buffer.from(s.startsWith('whsec_') ? s.slice(6) : s, 'base64'));
  }

  verify(input: SignatureInput, now: Date): SignatureResult {
    const { id, timestamp, signature } = input;
    if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string' || !id || !timestamp || !signature) {
      return { ok: false, reason: 'missing-header' };
    }
    if (!WEBHOOK_ID.test(id)) return { ok: false, reason: 'malformed-id' };
    if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'malformed-timestamp' };
    const ts = Number(timestamp);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (nowSeconds - ts > this.toleranceSeconds) return { ok: false, reason: 'stale-timestamp' };
    if (ts - nowSeconds > this.toleranceSeconds) return { ok: false, reason: 'future-timestamp' };

    const candidates = parseSignatures(signature);
    if (!candidates) return { ok: false, reason: 'malformed-signature' };

    const prefix = Buffer.from(`${id}.${timestamp}.`, 'utf8');
    let matched = false;
    // Every secret against every candidate, without stopping early: how long this takes says
    // nothing about which secret (if any) matched.
    for (const key of this.#keys) {
      const expected = createHmac('sha256', key).update(prefix).update(input.body).digest();
      for (const candidate of candidates) {
        if (candidate.length === HMAC_SHA256_BYTES && timingSafeEqual(candidate, expected)) matched = true;
      }
    }
    return matched ? { ok: true, webhookId: id, timestamp: ts } : { ok: false, reason: 'no-matching-signature' };
  }
}

/**
 * `v1,<base64> v1,<base64> …`. Entries of other versions (e.g. `v1a` asymmetric signatures) are
 * skipped, as the Standard Webhooks spec says; a list with no usable v1 entry is malformed.
 */
function parseSignatures(header: string): Buffer[] | null {
  const entries = header.trim().split(/ +/);
  if (entries.length > MAX_SIGNATURES) return null;
  const out: Buffer[] = [];
  for (const entry of entries) {
    const comma = entry.indexOf(',');
    if (comma <= 0) return null;
    if (entry.slice(0, comma) !== 'v1') continue;
    const b64 = entry.slice(comma + 1);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
    out.push(Buffer.from(b64, 'base64'));
  }
  return out.length > 0 ? out : null;
}
