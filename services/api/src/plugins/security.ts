import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer. The CSP is the one the reveal and dashboard pages need:
 * no script at all, styles only from our own stylesheet, forms only to ourselves, no framing.
 * JSON answers carry it too, harmlessly. The queue dashboard (bull-board, a React app) gets
 * its own, looser policy in admin-queues.routes.ts (an onSend hook that replaces this CSP).
 */
export const PAGE_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

/** One header operation helmet performs on a response, in its order. */
type HeaderOp = { set: string; value: string } | { remove: string };

/**
 * The header operations helmet's middleware performs for `options`, recorded once against a
 * stand-in response. Our options hold no per-request parts (no CSP nonces, no directive
 * functions), so every response gets exactly these. @fastify/helmet rebuilt the middleware,
 * parsing the CSP again, on every request; that was about 4 % of the API's CPU per webhook.
 */
export function helmetHeaderOps(options: HelmetOptions): readonly HeaderOp[] {
  const ops: HeaderOp[] = [];
  const recorder = {
    setHeader(name: string, value: string) {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a non-string value`);
      ops.push({ set: name, value });
    },
    removeHeader(name: string) {
      ops.push({ remove: name });
    },
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  // A middleware that finished later, or not at all, would depend on the request: not static.
  if (!finished) throw new Error('helmet did not finish synchronously; its headers are not static');
  return ops;
}

export async function registerSecurityHeaders(app: FastifyInstance, httpsPublic: boolean): Promise<void> {
  const ops = helmetHeaderOps({
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP_DIRECTIVES },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something when the public address is https.
    strictTransportSecurity: httpsPublic ? { maxAge: 15_552_000, includeSubDomains: false } : false,
  });
  // Global (on the root instance, before any route), first among the onRequest hooks as
  // @fastify/helmet's was, and on the raw response as it did, so answers that leave from a
  // later hook (401, 429) carry the headers too and routes can still replace one.
  app.addHook('onRequest', (_request, reply, done) => {
    const res = reply.raw;
    for (const op of ops) {
      if ('set' in op) res.setHeader(op.set, op.value);
      else res.removeHeader(op.remove);
    }
    done();
  });
}
