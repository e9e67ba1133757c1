import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@hirepass/core';
import { startApi } from '../src/index';
import { Redis } from 'ioredis';
import { LogSink, REDIS_URL, hireCreated, scanKeys, makeTestApp, signedHeaders, testConfig, type TestApp } from './helpers';

describe('machine endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('healthz: 200 {status: ok}', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('readyz: Redis up and the number of live worker heartbeats', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', redis: 'up', workers: 0 });
    const keys = redisKeys(t.prefix);
    for (const id of ['w1', 'w2']) {
      await t.redis.set(keys.workerHeartbeat(id), JSON.stringify({ workerId: id, pid: 1, startedAt: new Date().toISOString(), at: new Date().toISOString() }), 'EX', 30);
    }
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', redis: 'up', workers: 2 });
  });

  it('metrics: Prometheus text with process, webhook, reveal, HTTP-by-route and queue metrics; no ids in labels', async () => {
    const b = JSON.stringify(hireCreated(t.clock.now(), 'E-metrics', { userPrincipalName: 'metrics.person@contoso.com' }));
    expect((await t.app.inject({ method: 'POST', url: '/webhooks/hr', payload: b, headers: signedHeaders(b, { at: t.clock.now(), id: 'msg_metrics' }) })).statusCode).toBe(202);
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('process_cpu_user_seconds_total');
    expect(res.body).toContain('hirepass_webhooks_total{outcome="accepted",reason="none"} 1');
    expect(res.body).toContain('# TYPE hirepass_reveals_total counter');
    expect(res.body).toMatch(/hirepass_http_request_duration_seconds_count\{method="POST",route="\/webhooks\/hr",status_code="202"\} 1/);
    expect(res.body).toContain('hirepass_queue_jobs{queue="hire-events",state="waiting"} 1');
    expect(res.body).toContain('hirepass_queue_jobs{queue="onboarding",state="failed"} 0');
    for (const secretish of ['E-metrics', 'metrics.person', 'msg_metrics']) expect(res.body).not.toContain(secretish);
  });

  it('metrics registries are per app: a second app starts from zero', async () => {
    const other = await makeTestApp();
    try {
      const body = (await other.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(body).not.toContain('hirepass_webhooks_total{outcome="accepted"');
    } finally {
      await other.close();
    }
  });

  it('docs: an OpenAPI document with the webhook (HireEvent body) and the ops API', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    // The exact list, against the app's own route table, is tests/ops/openapi.test.ts.
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/onboardings',
        '/api/onboardings/{employeeId}',
        '/api/onboardings/{employeeId}/audit',
        '/api/onboardings/{employeeId}/reissue',
        '/api/onboardings/{employeeId}/retry',
        '/docs',
        '/healthz',
        '/metrics',
        '/readyz',
        '/webhooks/hr',
      ]),
    );
    const webhook = JSON.stringify(doc.paths['/webhooks/hr'].post) + JSON.stringify(doc.components ?? {});
    for (const s of ['hire.created', 'hire.cancelled', 'employeeId', 'lifetimeMinutes', 'additionalProperties']) expect(webhook).toContain(s);
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
  });

  it('serves its own stylesheet, and sets security headers everywhere', async () => {
    const css = await t.app.inject({ method: 'GET', url: '/assets/hirepass.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('unknown routes: 404 problem JSON that does not echo the address', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nothing/secret-looking-path' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).not.toContain('secret-looking-path');
    const put = await t.app.inject({ method: 'PUT', url: '/reveal/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(put.statusCode).toBe(404);
    expect(put.body).not.toContain('AAAAAAAA');
    expect(t.logs.text).not.toContain('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  });
});

describe('startApi', () => {
  it('listens on an ephemeral port and closes', async () => {
    const prefix = `t-start-${Date.now()}`;
    const api = await startApi({ config: testConfig(prefix, { PORT: '0', HOST: '127.0.0.1' }), logDestination: new LogSink() });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${api.url}/healthz`);
      expect(await res.json()).toEqual({ status: 'ok' });
    } finally {
      await api.close();
      const r = new Redis(REDIS_URL);
      const keys = await scanKeys(r, `${prefix}*`);
      if (keys.length) await r.del(...keys);
      await r.quit();
    }
  });
});
