import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/**
 * OpenAPI generated from the route schemas (the webhook body is core's HireEventSchema).
 * Registered before the routes so it sees them; the document is served as JSON at /docs.
 */
export async function registerDocs(app: FastifyInstance, publicBaseUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hirepass API',
        version: '0.1.0',
        description:
          'HR webhook (Standard Webhooks signed) and the ops API. Ops endpoints need OPS_TOKEN as a Bearer token, or as the password of HTTP Basic.',
      },
      servers: [{ url: publicBaseUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
      tags: [
        { name: 'webhook', description: 'HR system integration (spec/hr-webhook.md)' },
        { name: 'ops', description: 'Ops JSON API (spec/ops-api.md)' },
        { name: 'health', description: 'Machine endpoints: health, readiness, Prometheus metrics, this document' },
      ],
    },
  });
}

export function registerDocsRoute(app: FastifyInstance): void {
  app.get(
    '/docs',
    { schema: { summary: 'This OpenAPI document (JSON), generated from the schemas the routes validate with', tags: ['health'] } },
    async () => app.swagger(),
  );
}
