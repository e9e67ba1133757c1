import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, hireCreated, makeTestApp, signedHeaders, type TestApp } from './helpers';

/**
 * The security headers of a spread of answers (webhook 202 and 4xx, the reveal page, the
 * dashboard, the queue board with its own CSP, health, a 404), with the public address on
 * http and on https (HSTS). The expected lists were captured from @fastify/helmet 13.2.0
 * before the headers were built once at start-up instead of per request; they stay the
 * contract: same names, same order, same values. Values that change per answer are null.
 */
const VOLATILE = new Set(['date', 'content-length', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']);

type Header = [string, string | null];

/** The CSP of our pages (every answer but the queue board's). */
const PAGE_CSP = "default-src 'none';style-src 'self';img-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none'";
/** bull-board's own, set by admin-queues.routes.ts. */
const QUEUES_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; font-src 'self' data: https://fonts.gstatic.com; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

/** helmet's headers, first on every answer and in this order; HSTS only with an https public address. */
function helmetHeaders(base: string, csp: string): Header[] {
  return [
    ['content-security-policy', csp],
    ['cross-origin-opener-policy', 'same-origin'],
    ['cross-origin-resource-policy', 'same-origin'],
    ['origin-agent-cluster', '?1'],
    ['referrer-policy', 'no-referrer'],
    ...(base.startsWith('https://') ? ([['strict-transport-security', 'max-age=15552000']] as Header[]) : []),
    ['x-content-type-options', 'nosniff'],
    ['x-dns-prefetch-control', 'off'],
    ['x-download-options', 'noopen'],
    ['x-frame-options', 'SAMEORIGIN'],
    ['x-permitted-cross-domain-policies', 'none'],
    ['x-xss-protection', '0'],
  ];
}

/** Last on every answer (Node's own). */
const NODE_TAIL: Header[] = [
  ['content-length', null],
  ['date', null],
  ['connection', 'keep-alive'],
];

/** What each kind of answer sets between helmet's headers and Node's, the same on http and https. */
const ANSWERS: Record<string, { status: number; csp?: string; headers: Header[] }> = {
  '404': {
    status: 404,
    headers: [
      ["content-type", "application/problem+json; charset=utf-8"],
    ],
  },
  'webhook 202': {
    status: 202,
    headers: [
      ["x-ratelimit-limit", "600"],
      ["x-ratelimit-remaining", null],
      ["x-ratelimit-reset", null],
      ["content-type", "application/json; charset=utf-8"],
    ],
  },
  'webhook 401': {
    status: 401,
    headers: [
      ["x-ratelimit-limit", "600"],
      ["x-ratelimit-remaining", null],
      ["x-ratelimit-reset", null],
      ["content-type", "application/problem+json; charset=utf-8"],
    ],
  },
  'webhook 400': {
    status: 400,
    headers: [
      ["x-ratelimit-limit", "600"],
      ["x-ratelimit-remaining", null],
      ["x-ratelimit-reset", null],
      ["content-type", "application/problem+json; charset=utf-8"],
    ],
  },
  'reveal page': {
    status: 404,
    headers: [
      ["cache-control", "no-store"],
      ["x-ratelimit-limit", "30"],
      ["x-ratelimit-remaining", null],
      ["x-ratelimit-reset", null],
      ["content-type", "text/html; charset=utf-8"],
    ],
  },
  'admin': {
    status: 200,
    headers: [
      ["cache-control", "no-store"],
      ["content-type", "text/html; charset=utf-8"],
    ],
  },
  'admin 401': {
    status: 401,
    headers: [
      ["www-authenticate", "Basic realm=\"hirepass ops\", Bearer realm=\"hirepass ops\""],
      ["content-type", "application/problem+json; charset=utf-8"],
    ],
  },
  'queues': {
    status: 200, csp: QUEUES_CSP,
    headers: [
      ["content-type", "text/html; charset=utf-8"],
      ["cache-control", "no-store"],
    ],
  },
  'queues api': {
    status: 200, csp: QUEUES_CSP,
    headers: [
      ["content-type", "application/json; charset=utf-8"],
      ["cache-control", "no-store"],
    ],
  },
  'healthz': {
    status: 200,
    headers: [
      ["content-type", "application/json; charset=utf-8"],
    ],
  },
  'stylesheet': {
    status: 200,
    headers: [
      ["cache-control", "public, max-age=3600"],
      ["content-type", "text/css; charset=utf-8"],
    ],
  },
  'docs': {
    status: 200,
    headers: [
      ["content-type", "application/json; charset=utf-8"],
    ],
  },
  'webhook 429': {
    status: 429,
    headers: [
      ["x-ratelimit-limit", "1"],
      ["x-ratelimit-remaining", null],
      ["x-ratelimit-reset", null],
      ["retry-after", null],
      ["content-type", "application/problem+json; charset=utf-8"],
    ],
  },
};

function expected(base: string, answer: string): { status: number; headers: Header[] } {
  const a = ANSWERS[answer]!;
  return { status: a.status, headers: [...helmetHeaders(base, a.csp ?? PAGE_CSP), ...a.headers, ...NODE_TAIL] };
}

function cases(): Record<string, InjectOptions> {
  const body = JSON.stringify(hireCreated(new Date(), `E-${randomUUID().slice(0, 8)}`));
  return {
    'webhook 202': { method: 'POST', url: '/webhooks/hr', payload: body, headers: signedHeaders(body) },
    'webhook 401': { method: 'POST', url: '/webhooks/hr', payload: body, headers: { 'content-type': 'application/json' } },
    'webhook 400': { method: 'POST', url: '/webhooks/hr', payload: '{', headers: signedHeaders('{') },
    'reveal page': { method: 'GET', url: '/reveal/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' },
    admin: { method: 'GET', url: '/admin/', headers: bearer() },
    'admin 401': { method: 'GET', url: '/admin/' },
    queues: { method: 'GET', url: '/admin/queues', headers: bearer() },
    'queues api': { method: 'GET', url: '/admin/queues/api/queues?activeQueue=hire-events&status=latest&page=1&jobsPerPage=10', headers: bearer() },
    healthz: { method: 'GET', url: '/healthz' },
    stylesheet: { method: 'GET', url: '/assets/hirepass.css' },
    docs: { method: 'GET', url: '/docs' },
    '404': { method: 'GET', url: '/nothing-here' },
  };
}

async function headersOf(t: TestApp, req: InjectOptions) {
  const res = await t.app.inject(req);
  return { status: res.statusCode, headers: Object.entries(res.headers).map(([k, v]) => [k, VOLATILE.has(k) ? null : v]) };
}

for (const base of ['http://localhost:3000', 'https://hirepass.example.com']) {
  describe(`security headers, public address ${base}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await makeTestApp({ PUBLIC_BASE_URL: base });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('are exactly those @fastify/helmet set, on every kind of answer', async () => {
      for (const [name, req] of Object.entries(cases())) {
        expect({ name, ...(await headersOf(t, req)) }).toEqual({ name, ...expected(base, name) });
      }
    });
  });
}

describe('security headers on a rate-limited webhook', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ HR_WEBHOOK_RATE_LIMIT_PER_MINUTE: '1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are the same on the 429 the limiter answers', async () => {
    const body = JSON.stringify(hireCreated(new Date()));
    await t.app.inject({ method: 'POST', url: '/webhooks/hr', payload: body, headers: signedHeaders(body) });
    const limited = await headersOf(t, { method: 'POST', url: '/webhooks/hr', payload: body, headers: signedHeaders(body) });
    expect(limited).toEqual(expected('http://localhost:3000', 'webhook 429'));
  });
});
