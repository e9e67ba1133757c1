import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { toOnboardingView, type OnboardingStatus } from '@hirepass/core';
import type { ApiContext } from '../context';
import { requestOpsAction, type OpsAction } from '../ops/ops-actions';
import { ProblemError } from '../problem';
import {
  AuditEntrySchema,
  EMPLOYEE_ID_PARAM,
  OnboardingStatusSchema,
  OnboardingViewSchema,
  OpsActionAnswerSchema,
  ProblemSchema,
} from './schemas';

/** The ops JSON API (spec/ops-api.md "Ops JSON API"). Auth is the global ops hook. */

const ListQuery = Type.Object(
  {
    status: Type.Optional(OnboardingStatusSchema),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

const ERRORS = { 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema, 503: ProblemSchema };
const security: { [scheme: string]: string[] }[] = [{ bearer: [] }, { basic: [] }];

/** The list cursor is the store's opaque base64url JSON `[score, id]`; anything else is a 400, not page one. */
export function isValidCursor(cursor: string): boolean {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';
  } catch {
    return false;
  }
}

export function notFound(employeeId: string): ProblemError {
  return new ProblemError(404, 'onboarding-not-found', `No onboarding for employee ${employeeId}.`);
}

export async function onboardingRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { ctx } = opts;

  app.get<{ Querystring: { status?: OnboardingStatus; limit: number; cursor?: string } }>(
    '/api/onboardings',
    {
      schema: {
        summary: 'List onboardings, newest first',
        tags: ['ops'],
        security,
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(OnboardingViewSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...ERRORS },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      if (cursor !== undefined && !isValidCursor(cursor)) {
        throw new ProblemError(400, 'invalid-request', 'cursor is not one this API returned', { errors: [{ field: 'querystring/cursor', message: 'is not a cursor this API returned' }] });
      }
      const page = await ctx.onboardings.list({ status, limit, cursor });
      if (page.unreadable.length) request.log.error({ unreadable: page.unreadable }, 'onboarding records that no longer parse were left out of the list');
      return { items: page.items.map(toOnboardingView), nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: { employeeId: string } }>(
    '/api/onboardings/:employeeId',
    { schema: { summary: 'One onboarding', tags: ['ops'], security, params: EMPLOYEE_ID_PARAM, response: { 200: OnboardingViewSchema, ...ERRORS } } },
    async (request) => {
      const record = await ctx.onboardings.get(request.params.employeeId);
      if (!record) throw notFound(request.params.employeeId);
      return toOnboardingView(record);
    },
  );

  app.get<{ Params: { employeeId: string } }>(
    '/api/onboardings/:employeeId/audit',
    {
      schema: {
        summary: "An onboarding's audit trail, oldest first",
        tags: ['ops'],
        security,
        params: EMPLOYEE_ID_PARAM,
        response: { 200: Type.Object({ employeeId: Type.String(), items: Type.Array(AuditEntrySchema) }), ...ERRORS },
      },
    },
    async (request) => {
      const { employeeId } = request.params;
      const [record, items] = await Promise.all([ctx.onboardings.get(employeeId), ctx.audit.forEmployee(employeeId)]);
      // A cancellation for an unknown employee leaves a trail without a record: still shown.
      if (!record && items.length === 0) throw notFound(employeeId);
      return { employeeId, items };
    },
  );

  for (const action of ['retry', 'reissue'] as const satisfies readonly OpsAction[]) {
    app.post<{ Params: { employeeId: string } }>(
      `/api/onboardings/:employeeId/${action}`,
      {
        schema: {
          summary: action === 'retry' ? 'Re-run the failed step' : 'Re-issue: new TAP, new link, new notice (the old pass is replaced)',
          tags: ['ops'],
          security,
          params: EMPLOYEE_ID_PARAM,
          response: { 202: OpsActionAnswerSchema, 409: ProblemSchema, ...ERRORS },
        },
      },
      async (request, reply) => {
        const { employeeId } = request.params;
        const result = await requestOpsAction(ctx, employeeId, action);
        if (result === 'not_found') throw notFound(employeeId);
        if (result === 'cancelled') throw new ProblemError(409, 'onboarding-cancelled', `The onboarding of ${employeeId} is cancelled; there is nothing to ${action}.`);
        return reply.code(202).send({ employeeId, action, status: 'accepted' as const });
      },
    );
  }
}
