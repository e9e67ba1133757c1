import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { Redis } from 'ioredis';
import { loadApiConfig } from '@hirepass/core';
import { buildApp } from '@hirepass/api';
import { LogSink } from '../helpers/log-sink';
import { deleteByPrefix } from '../helpers/redis-dump';

/**
 * Issue 7: GET /docs is the OpenAPI description of the webhook and ops API, generated from
 * the schemas the routes validate with. It must validate against the OpenAPI specification
 * and list every public route with its schemas.
 */

const PUBLIC_ROUTES: Record<string, string[]> = {
  '/webhooks/hr': ['post'],
  '/api/onboardings': ['get'],
  '/api/onboardings/{employeeId}': ['get'],
  '/api/onboardings/{employeeId}/audit': ['get'],
  '/api/onboardings/{employeeId}/retry': ['post'],
  '/api/onboardings/{employeeId}/reissue': ['post'],
  '/healthz': ['get'],
  '/readyz': ['get'],
  '/metrics': ['get'],
  '/docs': ['get'],
};

describe('the OpenAPI document at /docs', () => {
  let app: FastifyInstance;
  let doc: OpenAPIV3_1.Document;
  const prefix = `t-${randomUUID()}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const opsToken = randomBytes(18).toString('base64url');

  beforeAll(async () => {
    const config = loadApiConfig({
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      HR_WEBHOOK_SECRETS: `whsec_${randomBytes(32).toString('base64')}`,
      PASSCODE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
      OPS_TOKEN: opsToken,
    });
    app = await buildApp({ config, logDestination: new LogSink() });
    const res = await app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.json();
  });
  afterAll(async () => {
    await app?.close();
    const redis = new Redis(redisUrl);
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  it('validates against the OpenAPI 3.1 specification', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    // The validator does catch a broken document (so the check above can fail).
    const broken = structuredClone(doc) as unknown as { paths: Record<string, unknown> };
    broken.paths['/healthz'] = { get: { responses: { 200: { content: 'text' } } } };
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it('lists every public route the app serves, and nothing else (no pages, no reveal tokens, no dashboard)', () => {
    const listed = Object.fromEntries(Object.entries(doc.paths ?? {}).map(([path, item]) => [path, Object.keys(item ?? {}).filter((k) => k !== 'parameters').sort()]));
    // What the app really serves under the public prefixes (the webhook, the JSON API, the machine endpoints).
    const served = servedRoutes(app).filter((r) => /^\/(api|webhooks)\/|^\/(healthz|readyz|metrics|docs)$/.test(r.path));
    const servedMap: Record<string, string[]> = {};
    for (const r of served) servedMap[r.path] = [...(servedMap[r.path] ?? []), ...r.methods].sort();
    expect(listed).toEqual(servedMap);
    for (const [path, methods] of Object.entries(PUBLIC_ROUTES)) expect(listed[path], path).toEqual(methods);
    for (const path of Object.keys(listed)) expect(path).not.toMatch(/^\/(admin|reveal|assets)/);
  });

  it('gives every operation a summary, a tag and response schemas; the ops API says how to authenticate', () => {
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const method of Object.keys(item ?? {}).filter((k) => k !== 'parameters')) {
        const op = (doc.paths![path] as Record<string, OpenAPIV3_1.OperationObject>)[method]!;
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
        const ok = (op.responses?.['200'] ?? op.responses?.['202']) as OpenAPIV3_1.ResponseObject | undefined;
        expect(ok, `${method} ${path} has a success answer`).toBeTruthy();
        if (path !== '/docs') expect(Object.values(ok!.content ?? {})[0]?.schema, `${method} ${path} success schema`).toBeTruthy();
        if (path.startsWith('/api/')) {
          expect(op.security).toEqual([{ bearer: [] }, { basic: [] }]);
          expect(op.responses?.['401'], `${method} ${path} documents 401`).toBeTruthy();
        }
      }
    }
    expect(doc.components?.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } });
  });

  it('describes the webhook body with the schema the route validates with (core HireEventSchema)', () => {
    const op = doc.paths!['/webhooks/hr']!.post!;
    const text = JSON.stringify(op) + JSON.stringify(doc.components ?? {});
    for (const s of ['hire.created', 'hire.updated', 'hire.cancelled', 'employeeId', 'userPrincipalName', 'startDate', 'timeZone', 'lifetimeMinutes']) expect(text).toContain(s);
    for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) expect(text).toContain(h);
    expect(Object.keys(op.responses ?? {})).toEqual(expect.arrayContaining(['200', '202', '400', '401']));
  });

  it('documents only routes that exist: each listed GET answers (with the credential where needed)', async () => {
    for (const [path, methods] of Object.entries(PUBLIC_ROUTES)) {
      if (!methods.includes('get')) continue;
      const url = path.replace('{employeeId}', 'E-none');
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${opsToken}` } });
      // 404 for the unknown employee is a problem answer from the route itself, not "no such route".
      if (url.includes('E-none')) expect(res.json()).toMatchObject({ status: 404, type: expect.stringContaining('onboarding-not-found') });
      else expect(res.statusCode, path).toBe(200);
    }
  });
});

/**
 * The app's route table (Fastify's printRoutes tree), as OpenAPI-style paths with their
 * methods; HEAD, which Fastify adds to every GET, is left out.
 */
function servedRoutes(app: FastifyInstance): { path: string; methods: string[] }[] {
  const out: { path: string; methods: string[] }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│   |    )*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    if (!m[3]) continue;
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    const methods = m[3].split(', ').map((x) => x.toLowerCase()).filter((x) => x !== 'head');
    out.push({ path, methods });
  }
  return out;
}
