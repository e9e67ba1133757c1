import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer. The CSP is the one the reveal and dashboard pages need:
 * no script at all, styles only from our own stylesheet, forms only to ourselves, no framing.
 * JSON answers carry it too, harmlessly. The queue dashboard (bull-board, a React app) gets
 * its own, looser policy in admin-queues.routes.ts.
 */
export const PAGE_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

export async function registerSecurityHeaders(app: FastifyInstance, httpsPublic: boolean): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP_DIRECTIVES },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something when the public address is https.
    strictTransportSecurity: httpsPublic ? { maxAge: 15_552_000, includeSubDomains: false } : false,
  });
}
