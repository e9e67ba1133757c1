import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError, sendProblem } from '../problem';

/**
 * The ops credential (spec/ops-api.md "Authentication"): `Authorization: Bearer <OPS_TOKEN>`,
 * or HTTP Basic with any user name and the token as password, so a browser can open the
 * dashboard. Both sides are hashed first so the comparison is constant-time and of equal
 * length whatever was sent.
 */
// Bearer carries a realm too: Chromium ignores the whole header when a bare `Bearer` follows
// Basic's parameters (`Basic realm="…", Bearer`), and then never offers the login prompt.
export const WWW_AUTHENTICATE = 'Basic realm="hirepass ops", Bearer realm="hirepass ops"';

export function presentedToken(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const space = authorization.indexOf(' ');
  if (space < 0) return null;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

export function tokenMatches(presented: string | null, expectedDigest: Buffer): boolean {
  const digest = createHash('sha256').update(presented ?? '', 'utf8').digest();
  // Always compare, even for a missing credential, so both paths cost the same.
  return timingSafeEqual(digest, expectedDigest) && presented !== null;
}

/** True for anything that is, or routes to, the ops area: checked on the raw path and the matched route. */
export function isOpsPath(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route && /^\/(api|admin)(\/|$)/.test(route)) return true;
  const path = (request.url.split('?')[0] ?? '').toLowerCase();
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A path that does not decode still gets the check on its raw form.
  }
  return [path, decoded].some((p) => /^\/+(api|admin)(\/|$)/.test(p));
}

/**
 * A global onRequest hook rather than a scoped one, so a 404 under /api/ or /admin/ is
 * answered 401 too: nothing there, not even its absence, is shown without the credential.
 */
export function registerOpsAuth(app: FastifyInstance, opsToken: string): void {
  const expected = createHash('sha256').update(opsToken, 'utf8').digest();
  app.addHook('onRequest', async (request, reply) => {
    if (!isOpsPath(request)) return;
    if (tokenMatches(presentedToken(request.headers.authorization), expected)) return;
    // Answered here rather than thrown: the queue board's routes have their own error handler.
    const problem = new ProblemError(401, 'ops-credential-required', 'This area needs the ops credential (Bearer token, or Basic with the token as password).');
    return sendProblem(reply, problem.toProblem(), { 'www-authenticate': WWW_AUTHENTICATE });
  });
}
