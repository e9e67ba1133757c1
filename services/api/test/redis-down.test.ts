import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '@hirepass/core';
import { buildApp } from '../src/index';
import { LogSink, REDIS_URL, bearer, hireCreated, scanKeys, signedHeaders, testConfig } from './helpers';

/** A port nothing listens on: bound, then released, so connections are refused. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Redis unreachable', () => {
  let app: FastifyInstance;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    const port = await closedPort();
    app = await buildApp({ config: testConfig(`t-down-${Date.now()}`, { REDIS_URL: `redis://127.0.0.1:${port}` }), clock, logDestination: new LogSink() });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers a valid webhook 503 problem JSON with Retry-After, quickly', async () => {
    const b = JSON.stringify(hireCreated(clock.now()));
    const started = Date.now();
    const res = await app.inject({ method: 'POST', url: '/webhooks/hr', payload: b, headers: signedHeaders(b, { at: clock.now() }) });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('still checks the signature first (401), and the process is alive (healthz 200)', async () => {
    const b = JSON.stringify(hireCreated(clock.now()));
    const res = await app.inject({ method: 'POST', url: '/webhooks/hr', payload: b, headers: { ...signedHeaders(b, { at: clock.now() }), 'webhook-signature': 'v1,AAAA' } });
    expect(res.statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('readyz is 503 problem JSON', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('the ops API answers 503 rather than hanging or leaking the driver error', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/onboardings', headers: bearer() });
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toMatch(/ECONNREFUSED|Stream isn't writeable|enableOfflineQueue/);
  });

  it('metrics still answer, counting the webhook as redis_down', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/hirepass_webhooks_total\{outcome="rejected",reason="redis_down"\} 1/);
  });
});

/** A TCP pass-through to the test Redis that can be cut, to lose Redis after the app connected. */
async function cuttableProxy(target: URL): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

describe('Redis lost after start', () => {
  it('answers 503 within moments instead of queueing the webhook', async () => {
    const clock = new ManualClock(Date.now());
    const proxy = await cuttableProxy(new URL(REDIS_URL));
    const prefix = `t-lost-${Date.now()}`;
    const app = await buildApp({ config: testConfig(prefix, { REDIS_URL: `redis://127.0.0.1:${proxy.port}` }), clock, logDestination: new LogSink() });
    try {
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      await proxy.cut();
      // Wait for the client to notice (a condition, not a fixed sleep).
      for (let i = 0; i < 100 && (await app.inject({ method: 'GET', url: '/readyz' })).statusCode !== 503; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const b = JSON.stringify(hireCreated(clock.now()));
      const started = Date.now();
      const res = await app.inject({ method: 'POST', url: '/webhooks/hr', payload: b, headers: signedHeaders(b, { at: clock.now() }) });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await app.close();
      const r = new Redis(REDIS_URL);
      const keys = await scanKeys(r, `${prefix}*`);
      // Only what was written while connected (queue metadata), never an event.
      expect(keys.filter((k) => !k.endsWith(':meta'))).toEqual([]);
      if (keys.length) await r.del(...keys);
      await r.quit();
    }
  });
});
