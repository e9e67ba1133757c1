import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { hashRevealToken, looksLikeRevealToken } from '@hirepass/core';
import type { ApiContext } from '../context';
import { toProblemReply } from '../plugins/error-handler';
import { revealPasscode } from '../reveal/reveal.service';
import {
  linkGonePage,
  nonceMismatchPage,
  passcodePage,
  revealErrorPage,
  revealLandingPage,
  unknownLinkPage,
} from '../views/reveal.views';
import { page } from '../views/layout';
import { html } from '../views/html';

/**
 * The manager's reveal page (spec/workflow.md "The reveal page"); the token in the path is
 * the only credential. GET reveals nothing (mail scanners open links); POST needs the nonce
 * the GET page put both in a cookie and in its form, so a blind POST consumes nothing.
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

  const schema = { hide: true, params: TokenParams };

  app.get<{ Params: { token: string } }>('/reveal/:token', { schema }, async (request, reply) => {
    const { token } = request.params;
    if (!looksLikeRevealToken(token)) return sendPage(reply, 404, unknownLinkPage());
    const link = await ctx.links.peek(hashRevealToken(token), ctx.clock.now());
    if (!link) return sendPage(reply, 404, unknownLinkPage());
    if (link.state !== 'active') return sendPage(reply, 410, linkGonePage(link));
    const nonce = randomBytes(24).toString('base64url');
    reply.setCookie(NONCE_COOKIE, nonce, { path: '/reveal', httpOnly: true, sameSite: 'strict', secure: ctx.secureCookies });
    return sendPage(reply, 200, revealLandingPage(link, nonce));
  });

  // No body schema: a POST without a body, or with a JSON one, is simply a missing nonce (403).
  app.post<{ Params: { token: string }; Body: unknown }>(
    '/reveal/:token',
    { schema },
    async (request, reply) => {
      const { token } = request.params;
      if (!looksLikeRevealToken(token)) return sendPage(reply, 404, unknownLinkPage());
      // The link's state first, then the nonce (spec order): a spent link says so to anyone.
      const link = await ctx.links.peek(hashRevealToken(token), ctx.clock.now());
      if (!link) {
        ctx.metrics.reveals.inc({ outcome: 'unknown' });
        return sendPage(reply, 404, unknownLinkPage());
      }
      if (link.state !== 'active') {
        ctx.metrics.reveals.inc({ outcome: 'gone' });
        return sendPage(reply, 410, linkGonePage(link));
      }
      if (!sameNonce(request.cookies[NONCE_COOKIE], formNonce(request.body))) {
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
