import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { ProblemError, problemType, redisDownProblem, sendProblem, titleFor, type FieldProblem, type Problem } from '../problem';
import { redisIsReady } from './redis';

/**
 * Turns every error into problem JSON. 4xx answers say what was wrong; 5xx answers never carry
 * an internal message or stack (those go to the log with the request id, which the answer
 * names so ops can find it). A failure while Redis is not connected is a 503 with Retry-After.
 */
export function toProblemReply(error: unknown, request: FastifyRequest, redis: Redis): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof ProblemError) return { problem: error.toProblem(), headers: error.extra.headers ?? {} };
  const err = error as Partial<FastifyError> & Error;
  if (err.validation) {
    const where = err.validationContext ?? 'request';
    const errors: FieldProblem[] = err.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
      return { field: `${where}${v.instancePath || ''}${missing ? `/${missing}` : ''}` || '/', message: v.message ?? 'is invalid' };
    });
    const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    return { problem: { type: problemType('invalid-request'), title: titleFor(400), status: 400, detail, errors }, headers: {} };
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  if (status < 500) {
    return { problem: { type: problemType(slugFor(status, err.code)), title: titleFor(status), status, detail: detailFor(err) }, headers: {} };
  }
  if (!redisIsReady(redis)) {
    const p = redisDownProblem();
    return { problem: p.toProblem(), headers: p.extra.headers ?? {} };
  }
  return {
    problem: {
      type: problemType('internal-error'),
      title: titleFor(status),
      status,
      detail: `Something went wrong on our side. It has been logged as request ${request.id}.`,
    },
    headers: {},
  };
}

// Fixed texts where Fastify's message would echo part of the request (a URL may hold a token).
function detailFor(err: Partial<FastifyError> & Error): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is larger than this endpoint accepts (256 KiB for webhooks).';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'This endpoint does not accept that content type (webhooks must be application/json).';
    case 'FST_ERR_BAD_URL':
      return 'The address is not valid.';
    default:
      return err.message || 'The request was refused.';
  }
}

function slugFor(status: number, code: string | undefined): string {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body-too-large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported-media-type';
    default:
      return titleFor(status).toLowerCase().replace(/[^a-z]+/g, '-');
  }
}

export function logIfServerError(error: unknown, request: FastifyRequest, status: number): void {
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ status, code: (error as FastifyError).code }, 'request refused');
}

export function registerErrorHandling(app: FastifyInstance, redis: Redis): void {
  app.setErrorHandler(async (error, request, reply: FastifyReply) => {
    const { problem, headers } = toProblemReply(error, request, redis);
    logIfServerError(error, request, problem.status);
    return sendProblem(reply, problem, headers);
  });
  // The default 404 names the URL, which for /reveal/… would put a token into logs and bodies.
  app.setNotFoundHandler(async (_request, reply) =>
    sendProblem(reply, { type: problemType('not-found'), title: titleFor(404), status: 404, detail: 'There is nothing at this address.' }),
  );
}
