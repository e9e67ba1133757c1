import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@hirepass/core';
import { startApiApp, type ApiApp } from './support/api-app';

/**
 * Issue 6, "Ops surface": security headers on every answer, ops areas closed without the
 * token, CORS closed, and no 5xx body that carries a stack or an internal message.
 */
describe('the HTTP surface of the API', () => {
  let a: ApiApp;
  const bearer = () => ({ authorization: `Bearer ${a.opsToken}` });

  beforeAll(async () => {
    a = await startApiApp();
    await a.notified('E-surface', 'Xy9!Surface');
    // A record that no longer parses: the next read of it fails inside the store.
    await a.redis.set(redisKeys(a.prefix).onboarding('E-corrupt'), '{"employeeId":"E-corrupt","internal-marker-7731":');
  });
  afterAll(async () => {
    await a?.close();
  });

  const ANSWERS: [string, string, Record<string, string>?][] = [
    ['GET', '/healthz'],
    ['GET', '/readyz'],
    ['GET', '/metrics'],
    ['GET', '/docs'],
    ['GET', '/nowhere'],
    ['POST', '/webhooks/hr'],
    ['GET', '/reveal/short'],
    ['GET', '/api/onboardings'],
    ['GET', '/api/onboardings', {}],
    ['GET', '/admin/'],
    ['GET', '/admin/', {}],
    ['GET', '/admin/queues'],
  ];

  it.each(ANSWERS.map(([m, u, h], i) => [`${m} ${u}${h ? ' (with the token)' : ''}`, m, u, h, i] as const))(
    'security headers on %s',
    async (_name, method, url, auth) => {
      const res = await a.app.inject({ method: method as 'GET', url, headers: auth ? bearer() : {} });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it.each([
    ['/api/onboardings'],
    ['/api/onboardings/E-surface'],
    ['/api/onboardings/E-surface/audit'],
    ['/api/does-not-exist'],
    ['/admin/'],
    ['/admin/onboardings/E-surface'],
    ['/admin/queues'],
    ['/admin/queues/api/queues'],
    ['/%61pi/onboardings'],
    ['/ADMIN/'],
    ['//api/onboardings'],
  ])('%s needs the ops token', async (url) => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-of-some-length' }, { authorization: `Basic ${Buffer.from(`ops:${a.opsToken}x`).toString('base64')}` }]) {
      const res = await a.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/Basic/);
      expect(res.body).not.toContain('E-surface');
    }
  });

  it.each(['/webhooks/hr', '/api/onboardings', '/reveal/abc', '/admin/'])('CORS is closed: a cross-origin preflight to %s is not allowed', async (url) => {
    const res = await a.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    for (const h of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-allow-credentials']) {
      expect(res.headers[h], h).toBeUndefined();
    }
    const simple = await a.app.inject({ method: 'GET', url: '/api/onboardings', headers: { origin: 'https://evil.example', ...bearer() } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a 5xx answer names the request, never the internal message or a stack', async () => {
    for (const url of ['/api/onboardings/E-corrupt', '/api/onboardings/E-corrupt/audit', '/admin/onboardings/E-corrupt']) {
      const res = await a.app.inject({ method: 'GET', url, headers: bearer() });
      expect(res.statusCode, url).toBe(500);
      expect(res.body).not.toMatch(/internal-marker-7731|does not parse|CorruptRecordError|SyntaxError|JSON|at .*\.(ts|js):\d+|node_modules|record:/);
      if (url.startsWith('/api/')) {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({ status: 500, detail: expect.stringMatching(/logged as request req-/) });
      }
    }
    // The details go to the log, where ops find them by the request id.
    expect(a.logs.text()).toMatch(/"level":50.*does not parse/);
  });
});
