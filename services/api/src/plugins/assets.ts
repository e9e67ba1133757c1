import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { STYLESHEET_PATH } from '../views/layout';

// Read once at start: a stylesheet of our own is what lets the CSP say style-src 'self'.
const CSS = readFileSync(new URL('../assets/hirepass.css', import.meta.url), 'utf8');

export function registerAssets(app: FastifyInstance): void {
  app.get(STYLESHEET_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(CSS),
  );
  // Browsers ask for it on every page; an empty answer keeps 404s out of the logs.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());
}
