import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OnboardingStatus } from '@hirepass/core';
import type { ApiContext } from '../context';
import { requestOpsAction } from '../ops/ops-actions';
import { ProblemError } from '../problem';
import { confirmActionPage, onboardingDetailPage } from '../views/admin-onboarding.views';
import { onboardingListPage } from '../views/admin.views';
import { readinessBanner } from './doctor.routes';
import { EMPLOYEE_ID_PARAM, OnboardingStatusSchema } from './schemas';
import { isValidCursor, notFound } from './onboardings.routes';

/** The ops dashboard pages (spec/ops-api.md "Pages"). Auth is the global ops hook. */

const LIST_LIMIT = 500;

function sendHtml(reply: FastifyReply, body: string): FastifyReply {
  return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
}

/**
 * Browsers resend Basic credentials to any site's form posting here, so a cross-site form
 * must not be able to trigger an action: the request has to come from our own pages.
 * Sec-Fetch-Site decides where browsers send it (under `Referrer-Policy: no-referrer` they send
 * `Origin: null` even for our own forms); otherwise a present Origin must be our host.
 */
function assertSameOrigin(request: FastifyRequest): void {
  const refuse = () => new ProblemError(403, 'cross-site-request', 'Actions can only be taken from the dashboard itself.');
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site !== 'same-origin' && site !== 'none') throw refuse();
    return;
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (hostOf(origin) === null || hostOf(origin) !== hostOf(`http://${request.headers.host ?? ''}`)) throw refuse();
}

/** host[:port] with default ports dropped, or null for anything unparsable (including "null"). */
function hostOf(url: string): string | null {
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

export async function adminRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { ctx } = opts;
  await app.register(formbody, { bodyLimit: 4096 });

  const listSchema = {
    hide: true,
    querystring: Type.Object({ status: Type.Optional(OnboardingStatusSchema), cursor: Type.Optional(Type.String({ maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' })) }),
  };
  const list = async (request: FastifyRequest<{ Querystring: { status?: OnboardingStatus; cursor?: string } }>, reply: FastifyReply) => {
    const { status, cursor } = request.query;
    if (cursor !== undefined && !isValidCursor(cursor)) {
      throw new ProblemError(400, 'invalid-request', 'cursor is not one this dashboard gave', { errors: [{ field: 'querystring/cursor', message: 'is not a cursor this dashboard gave' }] });
    }
    const [page, counts] = await Promise.all([ctx.onboardings.list({ status, limit: LIST_LIMIT, cursor }), ctx.onboardings.countByStatus()]);
    const banners = await readinessBanner(ctx).catch(() => []);
    return sendHtml(
      reply,
      onboardingListPage({ banners, records: page.items, counts, status, pageSize: LIST_LIMIT, older: cursor !== undefined, nextCursor: page.nextCursor, now: ctx.clock.now() }),
    );
  };
  app.get('/admin', { schema: listSchema }, list);
  app.get('/admin/', { schema: listSchema }, list);

  // The list's "open by employee id" form (a GET form: the pages run no script).
  app.get<{ Querystring: { employeeId: string } }>(
    '/admin/find',
    { schema: { hide: true, querystring: Type.Object({ employeeId: EMPLOYEE_ID_PARAM.properties.employeeId }, { required: ['employeeId'] }) } },
    async (request, reply) => reply.redirect(`/admin/onboardings/${encodeURIComponent(request.query.employeeId)}`, 303),
  );

  app.get<{ Params: { employeeId: string }; Querystring: { done?: string } }>(
    '/admin/onboardings/:employeeId',
    { schema: { hide: true, params: EMPLOYEE_ID_PARAM, querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) }) } },
    async (request, reply) => {
      const { employeeId } = request.params;
      const [record, audit] = await Promise.all([ctx.onboardings.get(employeeId), ctx.audit.forEmployee(employeeId)]);
      if (!record) throw notFound(employeeId);
      const banners = await readinessBanner(ctx).catch(() => []);
      return sendHtml(reply, onboardingDetailPage(record, audit, request.query.done, ctx.clock.now(), banners));
    },
  );

  for (const action of ['retry', 'reissue'] as const) {
    // The confirmation page: the button on the onboarding page links here, this form posts.
    app.get<{ Params: { employeeId: string } }>(
      `/admin/onboardings/:employeeId/${action}`,
      { schema: { hide: true, params: EMPLOYEE_ID_PARAM } },
      async (request, reply) => {
        const { employeeId } = request.params;
        const record = await ctx.onboardings.get(employeeId);
        if (!record) throw notFound(employeeId);
        if (record.status === 'cancelled') return reply.redirect(`/admin/onboardings/${encodeURIComponent(employeeId)}?done=cancelled`, 303);
        return sendHtml(reply, confirmActionPage(record, action));
      },
    );

    app.post<{ Params: { employeeId: string } }>(
      `/admin/onboardings/:employeeId/${action}`,
      { schema: { hide: true, params: EMPLOYEE_ID_PARAM } },
      async (request, reply) => {
        assertSameOrigin(request);
        const { employeeId } = request.params;
        const result = await requestOpsAction(ctx, employeeId, action);
        if (result === 'not_found') throw notFound(employeeId);
        const done = result === 'accepted' ? action : 'cancelled';
        return reply.redirect(`/admin/onboardings/${encodeURIComponent(employeeId)}?done=${done}`, 303);
      },
    );
  }
}
