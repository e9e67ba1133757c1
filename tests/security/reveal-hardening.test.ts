import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, hashRevealToken, newRevealToken, redisKeys } from '@hirepass/core';
import { REVEAL_LIMITS } from '../../services/api/src/reveal/reveal-attempts';
import { newKey, openLink, press, startApiApp, type ApiApp } from './support/api-app';

/**
 * Issue 6, "Reveal link": what services/api/test/reveal.test.ts does not already show. Attempt
 * limits per address and per link, a GET that never reveals even when pressed by a crowd, ten
 * concurrent presses with one winner, a page with no third-party asset, and key rotation.
 */
const PASSCODE = 'Rv7!kQ2#mZ9p';

describe('reveal link attempt limits', () => {
  let a: ApiApp;
  beforeAll(async () => {
    a = await startApiApp();
  });
  afterAll(async () => {
    await a?.close();
  });

  it(`locks a link after ${REVEAL_LIMITS.failuresPerLink} presses without the right nonce; nothing revealed, the manager can come back`, async () => {
    const { token, tapId } = await a.notified('E-lock', PASSCODE);
    const address = '10.1.0.1';
    for (let i = 0; i < REVEAL_LIMITS.failuresPerLink; i++) {
      // A blind scanner: no cookie, a made-up nonce, from addresses of its own.
      const res = await press(a.app, token, { field: `guess-${i}`, cookie: 'scanner' }, `10.1.1.${i + 1}`);
      expect(res.statusCode).toBe(403);
    }
    const nonce = await openLink(a.app, token, address);
    expect(nonce.res.statusCode).toBe(200); // GET still shows who and when
    const locked = await press(a.app, token, nonce, address);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(REVEAL_LIMITS.lockSeconds);
    expect(locked.headers['cache-control']).toBe('no-store');
    expect(locked.body).toContain('Too many attempts');
    expect(locked.body).not.toContain(PASSCODE);
    expect(await a.redis.exists(redisKeys(a.prefix).sealedPasscode('E-lock', tapId))).toBe(1);

    // The lock ends by itself (the counter expires); here it is made to end now.
    const counter = redisKeys(a.prefix).rateLimit(`reveal-failed:${hashRevealToken(token)}`);
    expect(await a.redis.ttl(counter)).toBeGreaterThan(0);
    await a.redis.del(counter);
    const ok = await press(a.app, token, await openLink(a.app, token, address), address);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain(PASSCODE);
  });

  it(`stops an address that looks up ${REVEAL_LIMITS.unknownPerAddress} unknown tokens, even for a real link; others go on`, async () => {
    const { token } = await a.notified('E-probe', PASSCODE);
    const prober = '10.2.0.1';
    for (let i = 0; i < REVEAL_LIMITS.unknownPerAddress; i++) {
      const method = i % 2 ? 'GET' : 'POST';
      const res = await a.app.inject({ method, url: `/reveal/${newRevealToken().token}`, remoteAddress: prober });
      expect(res.statusCode).toBe(404);
    }
    const blocked = await a.app.inject({ method: 'GET', url: `/reveal/${token}`, remoteAddress: prober });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).not.toContain('New Hire'); // says nothing about the link
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(REVEAL_LIMITS.unknownWindowSeconds);
    expect((await press(a.app, token, { field: 'x', cookie: 'x' }, prober)).statusCode).toBe(429);
    const manager = await openLink(a.app, token, '10.2.0.2');
    expect(manager.res.statusCode).toBe(200);
    expect((await press(a.app, token, manager, '10.2.0.2')).statusCode).toBe(200);
  });

  it(`limits any address to ${REVEAL_LIMITS.perAddressPerMinute} page loads a minute (shared through Redis)`, async () => {
    const { token } = await a.notified('E-flood', PASSCODE);
    const flood = '10.3.0.1';
    for (let i = 0; i < REVEAL_LIMITS.perAddressPerMinute; i++) {
      expect((await a.app.inject({ method: 'GET', url: `/reveal/${token}`, remoteAddress: flood })).statusCode).toBe(200);
    }
    const limited = await a.app.inject({ method: 'GET', url: `/reveal/${token}`, remoteAddress: flood });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^text\/html/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).not.toContain(PASSCODE);
    expect((await a.app.inject({ method: 'GET', url: `/reveal/${token}`, remoteAddress: '10.3.0.2' })).statusCode).toBe(200);
  });

  it('never logs the token, the nonce or the passcode while refusing', () => {
    expect(a.logs.text()).toContain('/reveal/[redacted]');
    expect(a.logs.text()).not.toContain(PASSCODE);
    expect(a.logs.text()).not.toMatch(/\/reveal\/[A-Za-z0-9_-]{43}/);
    expect(a.logs.text()).not.toMatch(/hirepass_reveal_nonce=/);
  });
});

describe('reveal link: GET-safety, one winner, no third-party assets', () => {
  let a: ApiApp;
  beforeAll(async () => {
    a = await startApiApp();
  });
  afterAll(async () => {
    await a?.close();
  });

  it('a crowd of GETs (link scanners, previews) reveals nothing and consumes nothing', async () => {
    const { token, tapId } = await a.notified('E-scan', PASSCODE);
    const pages = await Promise.all(Array.from({ length: 10 }, (_, i) => a.app.inject({ method: 'GET', url: `/reveal/${token}`, remoteAddress: `10.4.0.${i + 1}` })));
    for (const p of pages) {
      expect(p.statusCode).toBe(200);
      expect(p.body).not.toContain(PASSCODE);
    }
    const head = await a.app.inject({ method: 'HEAD', url: `/reveal/${token}` });
    expect(head.body).toBe('');
    expect(await a.redis.exists(redisKeys(a.prefix).sealedPasscode('E-scan', tapId))).toBe(1);
  });

  it('ten concurrent presses with a valid nonce: exactly one sees the passcode', async () => {
    const { token } = await a.notified('E-race10', PASSCODE);
    const nonce = await openLink(a.app, token, '10.5.0.1');
    const answers = await Promise.all(Array.from({ length: 10 }, () => press(a.app, token, nonce, '10.5.0.1')));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, ...Array(9).fill(410)]);
    expect(answers.filter((r) => r.body.includes(PASSCODE))).toHaveLength(1);
    const audit = await new AuditTrail(a.redis, a.prefix).forEmployee('E-race10');
    expect(audit.filter((e) => e.action === 'reveal.revealed')).toHaveLength(1);
  });

  it('the pages load nothing from anywhere else, run no script, and carry the strict headers', async () => {
    const { token } = await a.notified('E-assets', PASSCODE);
    const nonce = await openLink(a.app, token, '10.6.0.1');
    const shown = await press(a.app, token, nonce, '10.6.0.1');
    for (const res of [nonce.res, shown]) {
      const refs = [...res.body.matchAll(/\b(?:src|href|action)="([^"]*)"/g)].map((m) => m[1]!);
      for (const ref of refs) expect(ref, ref).toMatch(/^(\/[^/]|#|$)/);
      expect(res.body).not.toMatch(/<script|<iframe|<img|@import|url\(/i);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/https?:|\*|unsafe/);
    }
  });
});

describe('PASSCODE_ENCRYPTION_KEYS rotation', () => {
  const keyA = newKey();
  const keyB = newKey();

  it('a passcode sealed under the old key still reveals after B,A (new key first)', async () => {
    const a = await startApiApp({ PASSCODE_ENCRYPTION_KEYS: `${keyB},${keyA}` });
    try {
      const { token } = await a.notified('E-rot', PASSCODE, Buffer.from(keyA, 'base64'));
      const res = await press(a.app, token, await openLink(a.app, token));
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(PASSCODE);
    } finally {
      await a.close();
    }
  });

  it('with the old key removed too early: a plain 500 page, the reason audited, nothing internal shown', async () => {
    const a = await startApiApp({ PASSCODE_ENCRYPTION_KEYS: keyB });
    try {
      const { token } = await a.notified('E-lost', PASSCODE, Buffer.from(keyA, 'base64'));
      const res = await press(a.app, token, await openLink(a.app, token));
      expect(res.statusCode).toBe(500);
      expect(res.body).toContain('re-issue');
      expect(res.body).not.toMatch(/PASSCODE_ENCRYPTION_KEYS|decrypt|at .*\.ts:\d+|Error:/);
      const audit = await new AuditTrail(a.redis, a.prefix).forEmployee('E-lost');
      expect(audit.map((e) => `${e.actor}:${e.action}:${e.outcome}`)).toEqual(['manager:reveal.failed:failure']);
      expect(a.logs.text()).not.toContain(keyA);
      expect(a.logs.text()).not.toContain(keyB);
    } finally {
      await a.close();
    }
  });
});
