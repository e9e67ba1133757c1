import type { FastifyReply } from 'fastify';

/**
 * RFC 9457 problem details. Every error answer of the API is one of these, built here so the
 * shape and the media type cannot drift between routes.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** A URN, so the type is an absolute URI without inventing a web address for it. */
export function problemType(slug: string): string {
  return `urn:hirepass:problem:${slug}`;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** Thrown by routes to answer with a problem; the error handler turns it into the reply. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly detail: string,
    readonly extra: { errors?: FieldProblem[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  toProblem(): Problem {
    return {
      type: problemType(this.slug),
      title: titleFor(this.status),
      status: this.status,
      detail: this.detail,
      ...(this.extra.errors ? { errors: this.extra.errors } : {}),
    };
  }
}

/** Redis did not answer: nothing was stored, the caller should come back shortly. */
export const RETRY_AFTER_SECONDS_WHEN_REDIS_DOWN = 5;

export function redisDownProblem(): ProblemError {
  return new ProblemError(503, 'storage-unavailable', 'The service cannot reach its data store right now; nothing was stored. Retry shortly.', {
    headers: { 'retry-after': String(RETRY_AFTER_SECONDS_WHEN_REDIS_DOWN) },
  });
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}
