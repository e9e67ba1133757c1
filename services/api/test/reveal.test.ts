import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OnboardingStore, PasscodeCipher, RevealLinks, newRevealToken, type OnboardingRecord } from '@hirepass/core';
import { PASSCODE_KEY, bearer, makeRecord, makeTestApp, type TestApp } from './helpers';

const PASSCODE = 'Xk7#pQ2m!vR9';

interface Fixture {
  token: string;
  record: OnboardingRecord;
  tapId: string;
}

/** An onboarding that has been notified: record, sealed passcode and an active link. */
async function notifiedOnboarding(t: TestApp, employeeId: string, opts: { lifetimeMs?: number } = {}): Promise<Fixture> {
  const now = t.clock.now();
  const tapId = `tap-${employeeId}`;
  const { token, tokenHash } = newRevealToken();
  const validFrom = now.toISOString();
  const expiresAt = new Date(now.getTime() + (opts.lifetimeMs ?? 8 * 3600_000)).toISOString();
  const record = makeRecord(employeeId, now, {
    status: 'notified',
    tap: { id: tapId, startDateTime: validFrom, lifetimeInMinutes: 480, isUsableOnce: false, expiresAt, createdAt: validFrom },
    notice: { state: 'sent', sentAt: validFrom, generation: 1 },
    reveal: { tokenHash, state: 'active' },
  });
  await new OnboardingStore(t.redis, t.prefix).create(record);
  const links = new RevealLinks(t.redis, t.prefix);
  const sealed = new PasscodeCipher([Buffer.from(PASSCODE_KEY, 'base64')]).encrypt(PASSCODE, { employeeId, tapId });
  await links.sealPasscode(employeeId, tapId, sealed, new Date(expiresAt));
  await links.create({
    tokenHash,
    employeeId,
    onboardingId: record.onboardingId,
    generation: 1,
    tapId,
    displayName: 'Jane <b>Doe</b>',
    userPrincipalName: record.hire.userPrincipalName,
    timeZone: record.hire.timeZone,
    validFrom,
    expiresAt,
    createdAt: validFrom,
  });
  return { token, record, tapId };
}

function nonceFrom(res: { body: string; cookies: { name: string; value: string }[] }) {
  const field = /name="nonce" value="([^"]+)"/.exec(res.body)?.[1];
  const cookie = res.cookies.find((c) => c.name === 'hirepass_reveal_nonce')?.value;
  return { field, cookie };
}

describe('reveal page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function open(token: string) {
    const res = await t.app.inject({ method: 'GET', url: `/reveal/${token}` });
    return { res, ...nonceFrom(res) };
  }
  async function press(token: string, nonce: { field?: string; cookie?: string }) {
    return t.app.inject({
      method: 'POST',
      url: `/reveal/${token}`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(nonce.cookie ? { cookie: `hirepass_reveal_nonce=${nonce.cookie}` } : {}),
      },
      payload: nonce.field ? `nonce=${encodeURIComponent(nonce.field)}` : '',
    });
  }

  it('GET shows who, when and how, sets the nonce cookie, reveals nothing, and can be repeated', async () => {
    const f = await notifiedOnboarding(t, 'E-get');
    for (let i = 0; i < 2; i++) {
      const { res, field, cookie } = await open(f.token);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('Jane &lt;b&gt;Doe&lt;/b&gt;');
      expect(res.body).toContain(f.record.hire.userPrincipalName);
      expect(res.body).toContain('Europe/Berlin');
      expect(res.body).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      expect(res.body).toContain('Sign-in options');
      expect(res.body).toContain('globe icon');
      expect(res.body).not.toContain(PASSCODE);
      expect(res.body).not.toContain(f.token);
      expect(res.body).not.toMatch(/<script/i);
      expect(field).toBeTruthy();
      expect(cookie).toBe(field);
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).toMatch(/Path=\/reveal/);
      expect(setCookie).not.toMatch(/Secure/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('script-src');
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/onboardings/E-get', headers: bearer() })).json().status).toBe('notified');
  });

  it('POST without the nonce, or with a mismatched one: 403, nothing revealed, the link still usable', async () => {
    const f = await notifiedOnboarding(t, 'E-nonce');
    const { field, cookie } = await open(f.token);
    for (const attempt of [{}, { field }, { cookie }, { field, cookie: 'x'.repeat(32) }, { field: 'y'.repeat(32), cookie }]) {
      const res = await press(f.token, attempt);
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toContain(PASSCODE);
    }
    const json = await t.app.inject({ method: 'POST', url: `/reveal/${f.token}`, payload: { nonce: field } });
    expect(json.statusCode).toBe(403);
    expect((await open(f.token)).res.statusCode).toBe(200);
    const ok = await press(f.token, { field, cookie });
    expect(ok.statusCode).toBe(200);
  });

  it('POST reveals exactly once; afterwards GET and POST say it was revealed and when (410)', async () => {
    const f = await notifiedOnboarding(t, 'E-once');
    const nonce = await open(f.token);
    const res = await press(f.token, nonce);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<output class="passcode" aria-label="Temporary Access Pass">${PASSCODE}</output>`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');

    const again = await press(f.token, nonce);
    expect(again.statusCode).toBe(410);
    expect(again.body).not.toContain(PASSCODE);
    expect(again.body).toContain('already been shown');
    const get = await t.app.inject({ method: 'GET', url: `/reveal/${f.token}` });
    expect(get.statusCode).toBe(410);
    expect(get.body).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

    const view = (await t.app.inject({ method: 'GET', url: '/api/onboardings/E-once', headers: bearer() })).json();
    expect(view.status).toBe('revealed');
    expect(view.reveal).toEqual({ state: 'revealed', revealedAt: t.clock.now().toISOString() });
    const audit = (await t.app.inject({ method: 'GET', url: '/api/onboardings/E-once/audit', headers: bearer() })).json();
    expect(audit.items.map((e: { actor: string; action: string }) => `${e.actor}:${e.action}`)).toEqual(['manager:reveal.revealed']);
    expect(JSON.stringify(audit)).not.toContain(PASSCODE);
  });

  it('a reveal of a link the record has moved on from (a re-issue won the race) does not mark the new generation revealed', async () => {
    const f = await notifiedOnboarding(t, 'E-raced');
    // The re-issue's record write, with the old link not ended yet.
    await new OnboardingStore(t.redis, t.prefix).update('E-raced', (r) => ({ ...r, generation: 2, reveal: null, tap: null, status: 'in_progress', notice: { state: 'pending' } }));
    const nonce = await open(f.token);
    expect((await press(f.token, nonce)).statusCode).toBe(200);
    const view = (await t.app.inject({ method: 'GET', url: '/api/onboardings/E-raced', headers: bearer() })).json();
    expect(view.status).toBe('in_progress');
    expect(view.reveal).toBeNull();
    const audit = (await t.app.inject({ method: 'GET', url: '/api/onboardings/E-raced/audit', headers: bearer() })).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(['reveal.revealed']);
  });

  it('two concurrent POSTs: one 200, one 410', async () => {
    const f = await notifiedOnboarding(t, 'E-race');
    const nonce = await open(f.token);
    const answers = await Promise.all([press(f.token, nonce), press(f.token, nonce)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 410]);
    expect(answers.filter((a) => a.body.includes(PASSCODE))).toHaveLength(1);
  });

  it('an expired link: GET and POST 410 with what to do', async () => {
    const f = await notifiedOnboarding(t, 'E-expired', { lifetimeMs: 3600_000 });
    const nonce = await open(f.token);
    t.clock.advance(3600_000 + 1);
    try {
      const get = await t.app.inject({ method: 'GET', url: `/reveal/${f.token}` });
      expect(get.statusCode).toBe(410);
      expect(get.body).toContain('expired');
      expect(get.body).toContain('re-issue');
      const post = await press(f.token, nonce);
      expect(post.statusCode).toBe(410);
      expect(post.body).not.toContain(PASSCODE);
    } finally {
      t.clock.advance(-(3600_000 + 1));
    }
  });

  it('a revoked link: 410 saying it was withdrawn', async () => {
    const f = await notifiedOnboarding(t, 'E-revoked');
    const { hashRevealToken } = await import('@hirepass/core');
    await new RevealLinks(t.redis, t.prefix).end(hashRevealToken(f.token), 'revoked', t.clock.now());
    const get = await t.app.inject({ method: 'GET', url: `/reveal/${f.token}` });
    expect(get.statusCode).toBe(410);
    expect(get.body).toContain('withdrawn');
  });

  it('unknown and malformed tokens: 404 (malformed ones without a Redis round trip)', async () => {
    const { token } = newRevealToken();
    expect((await t.app.inject({ method: 'GET', url: `/reveal/${token}` })).statusCode).toBe(404);
    expect((await press(token, { field: 'a', cookie: 'a' })).statusCode).toBe(404);
    const peek = vi.spyOn(RevealLinks.prototype, 'peek');
    const consume = vi.spyOn(RevealLinks.prototype, 'consume');
    try {
      for (const bad of ['short', 'x'.repeat(44), `${'a'.repeat(42)}%21`, `${'a'.repeat(42)}.`, 'a'.repeat(90)]) {
        expect((await t.app.inject({ method: 'GET', url: `/reveal/${bad}` })).statusCode).toBe(404);
        expect((await press(bad, { field: 'a', cookie: 'a' })).statusCode).toBe(404);
      }
      // Longer than the router accepts for a path parameter: refused before any handler runs.
      expect((await t.app.inject({ method: 'GET', url: `/reveal/${'a'.repeat(600)}` })).statusCode).toBe(414);
      expect(peek).not.toHaveBeenCalled();
      expect(consume).not.toHaveBeenCalled();
    } finally {
      peek.mockRestore();
      consume.mockRestore();
    }
  });

  it('never logs the token or the passcode, and counts reveals by outcome', async () => {
    const f = await notifiedOnboarding(t, 'E-logs');
    await press(f.token, await open(f.token));
    expect(t.logs.text).toContain('/reveal/[redacted]');
    expect(t.logs.text).not.toContain(f.token);
    expect(t.logs.text).not.toContain(PASSCODE);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/hirepass_reveals_total\{outcome="revealed"\} \d+/);
    expect(metrics).toMatch(/hirepass_reveals_total\{outcome="nonce_mismatch"\} \d+/);
    expect(metrics).toContain('route="/reveal/:token"');
    expect(metrics).not.toContain(f.token);
  });
});

describe('reveal page behind https', () => {
  it('marks the nonce cookie Secure when PUBLIC_BASE_URL is https', async () => {
    const t = await makeTestApp({ PUBLIC_BASE_URL: 'https://hirepass.example.com' });
    try {
      const f = await notifiedOnboarding(t, 'E-https');
      const res = await t.app.inject({ method: 'GET', url: `/reveal/${f.token}` });
      expect(String(res.headers['set-cookie'])).toMatch(/Secure/);
    } finally {
      await t.close();
    }
  });
});
