import type { FastifyInstance } from 'fastify';
import { HireEventSchema, parseHireEvent } from '@hirepass/core';
import type { ApiContext } from '../context';
import { noteForRequestLog } from '../logging';
import type { WebhookReason } from '../plugins/metrics';
import { ProblemError } from '../problem';
import { answerIfAlreadyAccepted, ingestHireEvent } from '../webhook/ingest';
import { EventAnswerSchema, ProblemSchema } from './schemas';

/** spec/hr-webhook.md: bodies over this are refused before anything reads them. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

const REASON_BY_STATUS: Record<number, WebhookReason> = {
  400: 'schema',
  401: 'signature',
  413: 'too_large',
  415: 'media_type',
  429: 'rate_limited',
  503: 'redis_down',
};

export async function webhookRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { ctx } = opts;

  // The signature is over the exact bytes sent, so the body stays a Buffer; JSON is the only
  // media type this scope accepts (anything else is 415 before the handler runs).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.addHook('onResponse', async (_request, reply) => {
    const s = reply.statusCode;
    if (s === 202) ctx.metrics.webhooks.inc({ outcome: 'accepted', reason: 'none' });
    else if (s === 200) ctx.metrics.webhooks.inc({ outcome: 'duplicate', reason: 'none' });
    else ctx.metrics.webhooks.inc({ outcome: 'rejected', reason: REASON_BY_STATUS[s] ?? 'error' });
  });

  app.post<{ Body: Buffer }>(
    '/webhooks/hr',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      config: { rateLimit: { max: ctx.config.webhookRateLimitPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'Receive a signed HR hire event (Standard Webhooks)',
        description:
          'Signed with the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature headers) over the raw body. ' +
          '202: stored and will be processed. 200: the same webhook-id was already accepted. Anything else: nothing was stored.',
        tags: ['webhook'],
        headers: {
          type: 'object',
          properties: {
            'webhook-id': { type: 'string' },
            'webhook-timestamp': { type: 'string', pattern: '^[0-9]+$' },
            'webhook-signature': { type: 'string' },
          },
          required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
        },
        body: HireEventSchema,
        response: {
          200: EventAnswerSchema,
          202: EventAnswerSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          413: ProblemSchema,
          415: ProblemSchema,
          429: ProblemSchema,
          503: ProblemSchema,
        },
      },
      // The schemas above are for /docs. Validation happens in the handler, on the raw bytes,
      // in the order the contract needs: signature (401) before body (400, via core's parser,
      // which also refuses duplicate keys and __proto__ that a validator cannot see).
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : null;
      if (!body) throw new ProblemError(415, 'unsupported-media-type', 'Send the event as application/json.');
      const verdict = ctx.verifier.verify(
        {
          id: request.headers['webhook-id'],
          timestamp: request.headers['webhook-timestamp'],
          signature: request.headers['webhook-signature'],
          body,
        },
        ctx.clock.now(),
      );
      if (!verdict.ok) {
        noteForRequestLog(request, 'webhook signature refused', { reason: verdict.reason });
        throw new ProblemError(401, 'invalid-signature', 'The webhook-id, webhook-timestamp and webhook-signature headers do not authenticate this request (missing, malformed, outside the accepted time window, or no matching signature).');
      }
      const parsed = parseHireEvent(body, { now: ctx.clock.now(), lateStartGraceDays: ctx.config.lateStartGraceDays });
      if (!parsed.ok) {
        const earlier = await answerIfAlreadyAccepted(ctx, verdict.webhookId, request.log);
        if (earlier) {
          noteForRequestLog(request, 'hire event received', { eventId: earlier.body.eventId, employeeId: earlier.body.employeeId, outcome: earlier.body.status });
          return reply.code(earlier.status).send(earlier.body);
        }
        throw new ProblemError(400, 'invalid-hire-event', parsed.detail, { errors: parsed.errors });
      }
      const answer = await ingestHireEvent(ctx, verdict.webhookId, parsed.event, request.log);
      // The request's one log line names the event, with the fields the worker's lines carry
      // too (issue 7 "Logs").
      noteForRequestLog(request, 'hire event received', { eventId: answer.body.eventId, employeeId: answer.body.employeeId, type: parsed.event.type, outcome: answer.body.status });
      return reply.code(answer.status).send(answer.body);
    },
  );
}
