import pino, { type DestinationStream, type Logger } from 'pino';
import { redactChildBindings, redactRevealUrl, redactingLogOptions } from '@hirepass/core';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * The API's pino logger: secrets redacted by path (core's REDACT_PATHS, through
 * redactingLogOptions: pino's own `redact` option cost about 50 µs a line), request URLs logged
 * with the reveal token replaced, and error messages and stacks passed through the same
 * redaction in case a URL ended up in one.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const redaction = redactingLogOptions({
    req: (req: FastifyRequest) => ({
      method: req.method,
      url: redactRevealUrl(req.url),
      route: req.routeOptions?.url,
      remoteAddress: req.ip,
    }),
    err: (err: Error) => {
      const out = pino.stdSerializers.err(err);
      out.message = redactRevealUrl(out.message ?? '');
      if (out.stack) out.stack = redactRevealUrl(out.stack);
      return out;
    },
  });
  return redactChildBindings(pino({ level, ...redaction }, destination ?? pino.destination(1)), redaction);
}

/**
 * One log line per request, when it is answered, instead of Fastify's two ("incoming request",
 * "request completed"): request id, method, redacted URL, route, client address, status and
 * time in ms, plus what the route noted about the request (a webhook's event id, employee id,
 * type and outcome) under the route's message. Fastify's other lines (errors, 404s) stay.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const note = notes.get(request);
    const line = { ...note?.fields, req: request, res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime * 100) / 100 };
    if (error) request.log.error({ ...line, err: error }, 'request errored');
    else request.log.info(line, note?.msg ?? 'request completed');
  }
}

interface RequestNote {
  msg: string;
  fields: Record<string, unknown>;
}

const notes = new WeakMap<FastifyRequest, RequestNote>();

/** What the request's one log line should say besides the request itself. */
export function noteForRequestLog(request: FastifyRequest, msg: string, fields: Record<string, unknown>): void {
  notes.set(request, { msg, fields });
}
