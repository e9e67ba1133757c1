import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { ApiQueues } from './queues';
import { withTimeout } from './redis';

/**
 * Prometheus metrics, one registry per app instance (several apps in one test process must
 * not share counters). Labels are small closed sets: never a UPN, employee id, token or URL.
 */
export type WebhookOutcome = 'accepted' | 'duplicate' | 'rejected';
export type WebhookReason =
  | 'none'
  | 'signature'
  | 'schema'
  | 'too_large'
  | 'media_type'
  | 'rate_limited'
  | 'redis_down'
  | 'error';
export type RevealOutcome = 'revealed' | 'gone' | 'unknown' | 'nonce_mismatch' | 'error';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

export class ApiMetrics {
  readonly registry = new Registry();
  readonly webhooks = new Counter({
    name: 'hirepass_webhooks_total',
    help: 'HR webhook requests by outcome and rejection reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });
  readonly reveals = new Counter({
    name: 'hirepass_reveals_total',
    help: 'Reveal-page button presses by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'hirepass_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(queues: ApiQueues, storeIsUp: () => boolean) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'hirepass_queue_jobs',
      help: 'Jobs per queue and state, read from Redis on scrape',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        if (!storeIsUp()) return;
        for (const queue of [queues.events, queues.onboarding]) {
          // A scrape during a Redis outage still answers, just without these gauges (a queue
          // whose connection never came up would otherwise wait for it).
          const counts = await withTimeout(queue.getJobCounts(...JOB_STATES), 1_000, 'job counts').catch(() => null);
          if (!counts) continue;
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
  }
}

/** Times every request by its route pattern (`/reveal/:token`, never the URL itself). */
export function registerRequestTiming(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
