import { Type } from '@sinclair/typebox';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { ONBOARDING_STATUSES } from '@hirepass/core';
import type { ApiContext } from '../context';
import { countWorkers } from '../routes/health.routes';
import type { ApiQueues } from './queues';
import { withTimeout } from './redis';

/**
 * Prometheus metrics, one registry per app instance (several apps in one test process must
 * not share counters). Labels are small closed sets: never a UPN, employee id, token or URL.
 * What happens in the workers (Graph calls, TAPs, notices, lags, jobs) is counted there and
 * served by each worker on WORKER_METRICS_PORT (services/worker/src/metrics.ts); the gauges
 * below read shared state from Redis on scrape, so any API instance answers them alike.
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
export type RevealOutcome = 'revealed' | 'gone' | 'unknown' | 'nonce_mismatch' | 'rate_limited' | 'error';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;
const SCRAPE_READ_TIMEOUT_MS = 1_000;

/** Shared state read at scrape time; any of them may be absent (a bare app in a unit test). */
export interface ScrapeSources {
  countByStatus?: () => Promise<Record<string, number>>;
  countWorkers?: () => Promise<number>;
}

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

  readonly #sources: ScrapeSources = {};

  constructor(queues: ApiQueues, storeIsUp: () => boolean) {
    collectDefaultMetrics({ register: this.registry });
    const sources = this.#sources;
    new Gauge({
      name: 'hirepass_onboardings',
      help: 'Onboardings per status (needs_attention and failed want a person), read from Redis on scrape',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        if (!storeIsUp() || !sources.countByStatus) return;
        const counts = await withTimeout(sources.countByStatus(), SCRAPE_READ_TIMEOUT_MS, 'status counts').catch(() => null);
        if (!counts) return;
        for (const status of ONBOARDING_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: 'hirepass_workers_alive',
      help: 'Worker processes whose heartbeat the API sees in Redis',
      registers: [this.registry],
      async collect() {
        this.reset();
        if (!storeIsUp() || !sources.countWorkers) return;
        const n = await withTimeout(sources.countWorkers(), SCRAPE_READ_TIMEOUT_MS, 'worker heartbeats').catch(() => null);
        if (n !== null) this.set(n);
      },
    });
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
          const counts = await withTimeout(queue.getJobCounts(...JOB_STATES), SCRAPE_READ_TIMEOUT_MS, 'job counts').catch(() => null);
          if (!counts) continue;
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
  }

  /** Wires the scrape-time gauges to the app's stores (called once the context exists). */
  readFrom(sources: ScrapeSources): void {
    Object.assign(this.#sources, sources);
  }
}

/**
 * Serves GET /metrics and times every request by its route pattern (`/reveal/:token`,
 * never the URL itself).
 */
export function registerMetrics(app: FastifyInstance, ctx: ApiContext): void {
  const { metrics } = ctx;
  metrics.readFrom({ countByStatus: () => ctx.onboardings.countByStatus(), countWorkers: () => countWorkers(ctx) });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format); no credential, no personal data in labels',
        tags: ['health'],
        response: {
          200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
        },
      },
    },
    async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    },
  );
}
