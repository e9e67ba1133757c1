import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACT_PATHS, redactRevealUrl } from '@hirepass/core';
import type { FastifyRequest } from 'fastify';

/**
 * The API's pino logger: secrets redacted by path (core's REDACT_PATHS), request URLs logged
 * with the reveal token replaced, and error messages and stacks passed through the same
 * redaction in case a URL ended up in one.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
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
      },
    },
    destination ?? pino.destination(1),
  );
}
