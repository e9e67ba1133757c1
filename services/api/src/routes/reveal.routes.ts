import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { hashRevealToken, looksLikeRevealToken } from '@hirepass/core';
import type { ApiContext } from '../context';
import { toProblemReply } from '../plugins/error-handler';
import { ProblemError } from '../problem';
import { RevealAttempts, type Blocked } from '../reveal/reveal-attempts';
import { revealPasscode } from '../reveal/reveal.service';
import {
  linkGonePage,
  nonceMismatchPage,
  passcodePage,
  revealErrorPage,
  revealLandingPage,
  tooManyAttemptsPage,
  unknownLinkPage,
} from '../views/reveal.views';
import { page } from '../views/layout';
import { html } from '../views/html';

/**
 * The manager's reveal page (spec/workflow.md "The reveal page"); the token in the path is
 * the only credential. GET reveals nothing (mail scanners open links); POST needs the nonce
 * the GET page put both in a cookie and in its form, so a blind POST consumes nothing.
 * Attempts are limited per address and per link (reveal/reveal-attempts.ts): 429 with a page.
 * The link is found by a keyed Redis read of SHA-256(token): no secret is compared in our code.
 */
export const NONCE_COOKIE = 'hirepass_reveal_nonce';

const TokenParams = Type.Object({ token: Type.String() });

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

function sameNonce(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

function formNonce(body: unknown): string | undefined {
  const nonce = body && typeof body === 'object' ? (body as Record<string, unknown>).nonce : undefined;
  return typeof nonce === 'string' && nonce.length <= 200 ? nonce : undefined;
}

export async function revealRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { ctx } = opts;
  await app.register(formbody, { bodyLimit: 4096 });

  // Never cached, never sent onwards as a referrer: the URL is the credential.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
  });

  // A manager gets a page, not problem JSON; the same rules about what it may say apply.
  app.setErrorHandler(async (error, request, reply) => {
    const { problem, headers } = toProblemReply(error, request, ctx.redis);
    if (problem.status >= 500) request.log.error({ err: error }, 'reveal page failed');
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    if (problem.status >= 500) return sendPage(reply, problem.status, revealErrorPage());
    return sendPage(reply, problem.status, page({ title: problem.title, body: html`<div class="card"><h1>${problem.title}</h1><p>${problem.detail}</p></div>` }));
  });

  const attempts = new RevealAttempts(ctx.redis, ctx.config.queuePrefix);
  const perAddress = {
    rateLimit: {
      max: attempts.limits.perAddressPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: (_request: unknown, context: { ttl: number }) => tooMany(Math.ceil(context.ttl / 1000)),
    },
  };
  const schema = { hide: true, params: TokenParams };

  /** Too many attempts: a page, nothing revealed, nothing consumed. */
  function sendBlocked(reply: FastifyReply, blocked: Extract<Blocked, { blocked: true }>): FastifyReply {
    reply.header('retry-after', String(blocked.retryAfterSeconds));
    ctx.metrics.reveals.inc({ outcome: 'rate_limited' });
    return sendPage(reply, 429, tooManyAttemptsPage(blocked.retryAfterSeconds));
  }

  /** Unknown token: counted against the address, so guessing links soon stops paying. */
  async function sendUnknown(reply: FastifyReply, address: string): Promise<FastifyReply> {
    await attempts.noteUnknownToken(address);
    return sendPage(reply, 404, unknownLinkPage());
  }

  app.get<{ Params: { token: string } }>('/reveal/:token', { schema, config: perAddress }, async (request, reply) => {
    const { token } = request.params;
    if (!looksLikeRevealToken(token)) return sendPage(reply, 404, unknownLinkPage());
    const probing = await attempts.addressBlocked(request.ip);
    if (probing.blocked) return sendBlocked(reply, probing);
    const link = await ctx.links.peek(hashRevealToken(token), ctx.clock.now());
    if (!link) return sendUnknown(reply, request.ip);
    if (link.state !== 'active') return sendPage(reply, 410, linkGonePage(link));
    const nonce = randomBytes(24).toString('base64url');
    reply.setCookie(NONCE_COOKIE, nonce, { path: '/reveal', httpOnly: true, sameSite: 'strict', secure: ctx.secureCookies });
    return sendPage(reply, 200, revealLandingPage(link, nonce));
  });

  // No body schema: a POST without a body, or with a JSON one, is simply a missing nonce (403).
  app.post<{ Params: { token: string }; Body: unknown }>(
    '/reveal/:token',
    { schema, config: perAddress },
    async (request, reply) => {
      const { token } = request.params;
      if (!looksLikeRevealToken(token)) return sendPage(reply, 404, unknownLinkPage());
      const probing = await attempts.addressBlocked(request.ip);
      if (probing.blocked) return sendBlocked(reply, probing);
      // The link's state first, then the nonce (spec order): a spent link says so to anyone.
      const tokenHash = hashRevealToken(token);
      const link = await ctx.links.peek(tokenHash, ctx.clock.now());
      if (!link) {
        ctx.metrics.reveals.inc({ outcome: 'unknown' });
        return sendUnknown(reply, request.ip);
      }
      if (link.state !== 'active') {
        ctx.metrics.reveals.inc({ outcome: 'gone' });
        return sendPage(reply, 410, linkGonePage(link));
      }
      const locked = await attempts.linkLocked(tokenHash);
      if (locked.blocked) return sendBlocked(reply, locked);
      if (!sameNonce(request.cookies[NONCE_COOKIE], formNonce(request.body))) {
        await attempts.noteFailedPress(tokenHash);
        ctx.metrics.reveals.inc({ outcome: 'nonce_mismatch' });
        return sendPage(reply, 403, nonceMismatchPage());
      }
      const outcome = await revealPasscode(ctx, token, request.log);
      reply.clearCookie(NONCE_COOKIE, { path: '/reveal', httpOnly: true, sameSite: 'strict', secure: ctx.secureCookies });
      switch (outcome.kind) {
        case 'revealed':
          ctx.metrics.reveals.inc({ outcome: 'revealed' });
          return sendPage(reply, 200, passcodePage(outcome.link, outcome.passcode));
        case 'gone':
          ctx.metrics.reveals.inc({ outcome: 'gone' });
          return sendPage(reply, 410, linkGonePage(outcome.link));
        case 'unknown':
          ctx.metrics.reveals.inc({ outcome: 'unknown' });
          return sendPage(reply, 404, unknownLinkPage());
        case 'undecryptable':
          ctx.metrics.reveals.inc({ outcome: 'error' });
          return sendPage(reply, 500, revealErrorPage());
      }
    },
  );
}

function tooMany(retryAfterSeconds: number): ProblemError {
  const seconds = Math.max(1, retryAfterSeconds);
  return new ProblemError(429, 'rate-limited', `Too many requests for passcode links from this address; try again in ${seconds} s. Nothing was revealed.`, {
    headers: { 'retry-after': String(seconds) },
  });
}
