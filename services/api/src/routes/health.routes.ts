import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { redisKeys } from '@hirepass/core';
import type { ApiContext } from '../context';
import { redisDownProblem } from '../problem';
import { withTimeout } from '../plugins/redis';
import { ProblemSchema } from './schemas';
import { ReadyzIssuanceSchema, readyzIssuance } from './doctor.routes';

/** Machine endpoints (spec/ops-api.md): no credential, nothing sensitive in the answers. */

const PING_TIMEOUT_MS = 2_000;

/** Live workers: each SETs a heartbeat key with a 30 s TTL every 10 s. */
export async function countWorkers(ctx: ApiContext): Promise<number> {
  const pattern = redisKeys(ctx.config.queuePrefix).workerHeartbeatPattern;
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await ctx.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

export async function healthRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { ctx } = opts;

  app.get(
    '/healthz',
    { schema: { summary: 'The process is up', tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Redis answers; how many workers are alive',
        tags: ['health'],
        response: {
          200: Type.Object({ status: Type.Literal('ready'), redis: Type.Literal('up'), workers: Type.Integer(), issuance: Type.Optional(ReadyzIssuanceSchema) }),
          503: ProblemSchema,
        },
      },
    },
    async () => {
      try {
        await withTimeout(ctx.redis.ping(), PING_TIMEOUT_MS, 'redis ping');
        const workers = await withTimeout(countWorkers(ctx), PING_TIMEOUT_MS, 'worker heartbeat scan');
        // Tenant readiness (issue 9): present while TAP issuance is held (pause, brake, failing check).
        const issuance = await withTimeout(readyzIssuance(ctx), PING_TIMEOUT_MS, 'issuance state');
        return { status: 'ready' as const, redis: 'up' as const, workers, ...(issuance.held ? { issuance } : {}) };
      } catch {
        throw redisDownProblem();
      }
    },
  );
}
