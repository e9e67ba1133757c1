import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { WebhookVerifier } from './webhook-signature';

const SECRET_A = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const SECRET_B = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const NOW = new Date('2026-11-28T10:00:00Z');
const TS = Math.floor(NOW.getTime() / 1000);
const BODY = Buffer.from('{"type":"hire.cancelled","timestamp":"2026-11-28T10:00:00Z","data":{"employeeId":"E-1"}}');

function sign(secret: string, id: string, ts: number, body: Buffer): string {
  return new Webhook(secret).sign(id, new Date(ts * 1000), body.toString('utf8'));
}

function input(over: Partial<{ id: string | undefined; timestamp: string | undefined; signature: string | undefined; body: Buffer }> = {}) {
  return {
    id: 'msg_1',
    timestamp: String(TS),
    signature: sign(SECRET_A, 'msg_1', TS, BODY),
    body: BODY,
    ...over,
  };
}

describe('WebhookVerifier', () => {
  const verifier = new WebhookVerifier([SECRET_A], 300);

  it('accepts what the reference library signs', () => {
    expect(verifier.verify(input(), NOW)).toEqual({ ok: true, webhookId: 'msg_1', timestamp: TS });
  });

  it.each(['id', 'timestamp', 'signature'] as const)('refuses a missing %s header', (h) => {
    expect(verifier.verify(input({ [h]: undefined }), NOW)).toEqual({ ok: false, reason: 'missing-header' });
  });

  it('refuses repeated headers (arrays)', () => {
    expect(verifier.verify({ ...input(), id: ['msg_1', 'msg_1'] }, NOW)).toEqual({ ok: false, reason: 'missing-header' });
  });

  it.each(['12.5', '-1', '1e9', '123abc', ' 123', ''])('refuses the timestamp %j', (ts) => {
    const r = verifier.verify(input({ timestamp: ts }), NOW);
    expect(r.ok).toBe(false);
  });

  it('refuses stale and future timestamps, honouring the configured tolerance both ways', () => {
    const at = (ts: number) => input({ timestamp: String(ts), signature: sign(SECRET_A, 'msg_1', ts, BODY) });
    expect(verifier.verify(at(TS - 301), NOW)).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifier.verify(at(TS + 301), NOW)).toEqual({ ok: false, reason: 'future-timestamp' });
    expect(verifier.verify(at(TS - 300), NOW).ok).toBe(true);
    expect(verifier.verify(at(TS + 300), NOW).ok).toBe(true);
    const strict = new WebhookVerifier([SECRET_A], 10);
    expect(strict.verify(at(TS - 11), NOW)).toEqual({ ok: false, reason: 'stale-timestamp' });
  });

  it.each(['v1', 'v1,', 'v1,***', 'garbage', 'v2,abc', 'v1,a v1,b v1,c v1,d v1,e v1,f v1,g v1,h v1,i'])(
    'refuses the malformed signature header %j',
    (sig) => {
      expect(verifier.verify(input({ signature: sig }), NOW)).toMatchObject({ ok: false });
    },
  );

  it('refuses a signature made with another secret, and never says which secret was tried', () => {
    const r = verifier.verify(input({ signature: sign(SECRET_B, 'msg_1', TS, BODY) }), NOW);
    expect(r).toEqual({ ok: false, reason: 'no-matching-signature' });
  });

  it('accepts any configured secret during rotation, and any v1 entry of the list', () => {
    const both = new WebhookVerifier([SECRET_A, SECRET_B], 300);
    expect(both.verify(input({ signature: sign(SECRET_A, 'msg_1', TS, BODY) }), NOW).ok).toBe(true);
    expect(both.verify(input({ signature: sign(SECRET_B, 'msg_1', TS, BODY) }), NOW).ok).toBe(true);
    const list = `v1a,c29tZXRoaW5n ${sign('whsec_' + Buffer.alloc(32, 9).toString('base64'), 'msg_1', TS, BODY)} ${sign(SECRET_B, 'msg_1', TS, BODY)}`;
    expect(both.verify(input({ signature: list }), NOW).ok).toBe(true);
  });

  it('verifies the raw bytes: re-serialised JSON or another id does not match', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 2));
    expect(verifier.verify(input({ body: reserialised }), NOW)).toEqual({ ok: false, reason: 'no-matching-signature' });
    expect(verifier.verify(input({ id: 'msg_2' }), NOW)).toEqual({ ok: false, reason: 'no-matching-signature' });
  });

  it('signs bytes that are not UTF-8 as bytes', () => {
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const key = Buffer.from(SECRET_A.slice(6), 'base64');
    const sig = createHmac('sha256', key).update(`msg_1.${TS}.`).update(raw).digest('base64');
    expect(verifier.verify(input({ body: raw, signature: `v1,${sig}` }), NOW).ok).toBe(true);
  });
});
