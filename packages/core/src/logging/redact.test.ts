import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS, redactRevealUrl } from './redact';

function capture(): { log: pino.Logger; text(): string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { log: pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink), text: () => lines.join('') };
}

const SECRET = 'S3cr3t-value-that-must-not-appear';

describe('REDACT_PATHS', () => {
  it.each([
    ['a request with credentials', { req: { headers: { authorization: `Bearer ${SECRET}`, cookie: `hirepass_reveal_nonce=${SECRET}`, 'webhook-signature': `v1,${SECRET}` } } }],
    ['a response setting a cookie', { res: { headers: { 'set-cookie': `n=${SECRET}` } } }],
    ['an error carrying request headers', { err: { headers: { Authorization: `Bearer ${SECRET}` } } }],
    ['a Graph TAP object', { tap: { id: 't1', temporaryAccessPass: SECRET } }],
    ['a Graph answer nested one level deeper', { res: { body: { temporaryAccessPass: SECRET } } }],
    ['a passcode', { passcode: SECRET }],
    ['a sealed passcode', { link: { sealed: SECRET } }],
    ['a reveal token and its URL', { token: SECRET, notice: { revealUrl: `https://x/reveal/${SECRET}` } }],
    ['an access token', { credential: { accessToken: SECRET, access_token: SECRET } }],
    ['the worker config', { config: { azure: { clientSecret: SECRET }, passcodeKeys: [SECRET], redisUrl: `redis://:${SECRET}@h` } }],
    ['the api config', { config: { opsToken: SECRET, webhookSecrets: [SECRET] } }],
    ['a token form field', { body: { client_secret: SECRET, nonce: SECRET } }],
  ])('redacts %s', (_name, obj) => {
    const { log, text } = capture();
    log.info(obj, 'logged');
    expect(text()).toContain('[redacted]');
    expect(text()).not.toContain(SECRET);
  });

  it('keeps what ops need: ids, statuses, request-ids', () => {
    const { log, text } = capture();
    log.info({ employeeId: 'E-1', tapId: 'tap-1', status: 201, requestId: 'r-1' }, 'TAP issued');
    expect(text()).toContain('"tapId":"tap-1"');
    expect(text()).toContain('"requestId":"r-1"');
  });
});

describe('redactRevealUrl', () => {
  it('cuts the token out of paths, URLs and sentences', () => {
    const t = 'a'.repeat(43);
    expect(redactRevealUrl(`/reveal/${t}`)).toBe('/reveal/[redacted]');
    expect(redactRevealUrl(`/reveal/${t}?x=1`)).toBe('/reveal/[redacted]?x=1');
    expect(redactRevealUrl(`see https://h/reveal/${t}. Thanks`)).toBe('see https://h/reveal/[redacted] Thanks');
    expect(redactRevealUrl(`<a href="https://h/reveal/${t}">`)).toBe('<a href="https://h/reveal/[redacted]">');
  });
});
