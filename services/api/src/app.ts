import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import { PasscodeCipher, systemClock, type ApiConfig, type Clock } from '@hirepass/core';
import { createStores, type ApiContext } from './context';
import { OneLinePerRequest, createLogger } from './logging';
import { ProblemError } from './problem';
import { registerAssets } from './plugins/assets';
import { registerDocs, registerDocsRoute } from './plugins/docs';
import { registerErrorHandling } from './plugins/error-handler';
import { ApiMetrics, registerMetrics } from './plugins/metrics';
import { registerOpsAuth } from './plugins/ops-auth';
import { closeQueues, createQueues } from './plugins/queues';
import { createApiRedis, firstConnectSettled, redisIsReady } from './plugins/redis';
import { registerSecurityHeaders } from './plugins/security';
import { adminQueuesRoutes } from './routes/admin-queues.routes';
import { doctorRoutes } from './routes/doctor.routes';
import { adminRoutes } from './routes/admin.routes';
import { healthRoutes } from './routes/health.routes';
import { onboardingRoutes } from './routes/onboardings.routes';
import { revealRoutes } from './routes/reveal.routes';
import { webhookRoutes } from './routes/webhook.routes';
import { WebhookVerifier } from './webhook/webhook-signature';

export interface ApiDeps {
  config: ApiConfig;
  /** ioredis; built from config.redisUrl (fail-fast options) when absent. A passed client is not closed by the app. */
  redis?: Redis;
  clock?: Clock;
  /** Where pino writes; default stdout. */
  logDestination?: DestinationStream;
}

/** The composition root: builds the context, registers plugins and routes. Ready to inject(), not listening. */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const logger = createLogger(config.logLevel, deps.logDestination);
  const ownsRedis = !deps.redis;
  const redis = deps.redis ?? createApiRedis(config.redisUrl);
  watchRedis(redis, logger);

  const app = Fastify({ loggerInstance: logger, trustProxy: false, return503OnClosing: true, logController: new OneLinePerRequest() }) as unknown as FastifyInstance;
  const queues = createQueues(redis, config.queuePrefix, app.log);
  const ctx: ApiContext = {
    config,
    clock: deps.clock ?? systemClock,
    redis,
    ...createStores(redis, config.queuePrefix, config.auditRetentionDays),
    cipher: new PasscodeCipher(config.passcodeKeys),
    queues,
    metrics: new ApiMetrics(queues, () => redisIsReady(redis)),
    verifier: new WebhookVerifier(config.webhookSecrets, config.webhookToleranceSeconds),
    secureCookies: config.publicBaseUrl.startsWith('https://'),
  };

  app.addHook('onClose', async () => {
    await closeQueues(queues);
    if (ownsRedis) await redis.quit().catch(() => redis.disconnect());
  });

  registerErrorHandling(app, redis);
  await registerSecurityHeaders(app, ctx.secureCookies);
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    redis,
    // Under the queue prefix, so several API processes share one count per client address.
    nameSpace: `${config.queuePrefix}:rate-limit:`,
    // Redis down: the webhook itself answers 503; the limiter must not turn that into a 500.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new ProblemError(429, 'rate-limited', `Too many webhook requests from this address; retry in ${context.after}.`, {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
  });
  await registerDocs(app, config.publicBaseUrl);
  registerOpsAuth(app, config.opsToken);
  registerMetrics(app, ctx);
  registerAssets(app);

  await app.register(healthRoutes, { ctx });
  await app.register(webhookRoutes, { ctx });
  await app.register(onboardingRoutes, { ctx });
  await app.register(revealRoutes, { ctx });
  await app.register(adminRoutes, { ctx });
  await app.register(adminQueuesRoutes, { ctx });
  await app.register(doctorRoutes, { ctx });
  registerDocsRoute(app);

  await firstConnectSettled(redis);
  await app.ready();
  return app;
}

/** One log line per change of Redis reachability, not one per reconnect attempt. */
function watchRedis(redis: Redis, log: { warn: (o: object, m: string) => void; info: (m: string) => void }): void {
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: { message: err.message } }, 'Redis unreachable; webhooks answer 503 until it is back');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('Redis reachable again');
  });
}
