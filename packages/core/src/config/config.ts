import { z } from 'zod';
import {
  encryptionKeys,
  guid,
  hhmm,
  httpUrl,
  httpsUrl,
  intInRange,
  logLevel,
  nonEmptySecret,
  queuePrefix,
  redisUrl,
  upn,
  webhookSecrets,
} from './env-schema';
import { parseConfig } from './parse-config';
import type { ReadinessConfig } from '../readiness/readiness-config';

/**
 * Each service's configuration is declared once here: the schema is the parser and the
 * type (STYLE habit 8). Entry points call load*Config(process.env) once; tests build the
 * objects directly. Variable names are public contract (spec/config.md).
 */

const shared = {
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: queuePrefix.default('hirepass'),
  LOG_LEVEL: logLevel.default('info'),
  PUBLIC_BASE_URL: httpUrl.default('http://localhost:3000'),
  DEFAULT_ACTIVATION_TIME: hhmm.default('08:00'),
  PASSCODE_ENCRYPTION_KEYS: encryptionKeys,
  // Not in spec/config.md's table (issue 6): how long the audit trail keeps an entry.
  AUDIT_RETENTION_DAYS: intInRange(1, 36_500).default(400),
};

const apiSchema = z
  .object({
    ...shared,
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: intInRange(0, 65535).default(3000),
    HR_WEBHOOK_SECRETS: webhookSecrets,
    HR_WEBHOOK_TOLERANCE_SECONDS: intInRange(1, 86_400).default(300),
    HR_WEBHOOK_RATE_LIMIT_PER_MINUTE: intInRange(1, 1_000_000).default(600),
    LATE_START_GRACE_DAYS: intInRange(0, 365).default(0),
    OPS_TOKEN: nonEmptySecret,
  })
  .transform((e) => ({
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    defaultActivationTime: e.DEFAULT_ACTIVATION_TIME,
    passcodeKeys: e.PASSCODE_ENCRYPTION_KEYS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    host: e.HOST,
    port: e.PORT,
    webhookSecrets: e.HR_WEBHOOK_SECRETS,
    webhookToleranceSeconds: e.HR_WEBHOOK_TOLERANCE_SECONDS,
    webhookRateLimitPerMinute: e.HR_WEBHOOK_RATE_LIMIT_PER_MINUTE,
    lateStartGraceDays: e.LATE_START_GRACE_DAYS,
    opsToken: e.OPS_TOKEN,
  }));

const workerSchema = z
  .object({
    ...shared,
    AZURE_TENANT_ID: z.string().min(1),
    AZURE_CLIENT_ID: z.string().min(1),
    AZURE_CLIENT_SECRET: z.string().min(1),
    AZURE_AUTHORITY_HOST: httpsUrl.default('https://login.microsoftonline.com'),
    GRAPH_BASE_URL: httpUrl.default('https://graph.microsoft.com'),
    TAP_PILOT_GROUP_ID: guid,
    WEB_SIGNIN_DEVICE_GROUP_ID: guid,
    NOTICE_SENDER_UPN: upn,
    // Not in spec/config.md's table: tuning knobs with safe defaults.
    // 50 jobs in flight hide ~0.4 s of Graph latency per onboarding (bench/HISTORY.md, first session, "Burst drain").
    WORKER_CONCURRENCY: intInRange(1, 1000).default(50),
    // Outlook serves 4 concurrent requests per mailbox (graph.md "Notices"); shared by all workers.
    NOTICE_MAILBOX_CONCURRENCY: intInRange(1, 4).default(4),
    // Graph calls made at one moment share a $batch of at most this many (Graph's limit is 20);
    // 1 sends every call on its own (graph/batching-handler.ts).
    GRAPH_BATCH_SIZE: intInRange(1, 20).default(20),
    USER_LOOKUP_WINDOW_MINUTES: intInRange(0, 43_200).default(2880),
    REPLICATION_WINDOW_MINUTES: intInRange(0, 1440).default(30),
    TAP_POLICY_CACHE_SECONDS: intInRange(0, 3600).default(60),
    // Tenant readiness (issue 9): the blast-radius brake (0 turns a rule off), dry-run
    // rehearsals, and how often the worker re-runs the tenant checks.
    BRAKE_MAX_TAPS: intInRange(0, 1_000_000).default(500),
    BRAKE_WINDOW_MINUTES: intInRange(1, 10_080).default(60),
    BRAKE_MAX_FAILURE_PERCENT: intInRange(0, 100).default(50),
    BRAKE_MIN_BATCH: intInRange(1, 1_000_000).default(10),
    DRY_RUN: z.enum(['true', 'false', '1', '0'], 'must be true or false').default('false'),
    READINESS_RECHECK_SECONDS: intInRange(1, 86_400).default(60),
    // Each worker serves Prometheus text at http://WORKER_METRICS_HOST:WORKER_METRICS_PORT/metrics;
    // unset = no server (several workers on one host would fight over one fixed port); 0 = any free port.
    WORKER_METRICS_PORT: intInRange(0, 65535).optional(),
    WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    // SIGTERM waits this long for running jobs, then leaves them to another worker.
    WORKER_SHUTDOWN_TIMEOUT_SECONDS: intInRange(1, 3600).default(30),
    // BullMQ job lock and employee lease: a killed worker's job is taken over within ~1.5x this.
    WORKER_LOCK_SECONDS: intInRange(2, 600).default(30),
  })
  .transform((e) => ({
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    defaultActivationTime: e.DEFAULT_ACTIVATION_TIME,
    passcodeKeys: e.PASSCODE_ENCRYPTION_KEYS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    azure: {
      tenantId: e.AZURE_TENANT_ID,
      clientId: e.AZURE_CLIENT_ID,
      clientSecret: e.AZURE_CLIENT_SECRET,
      authorityHost: e.AZURE_AUTHORITY_HOST,
    },
    graphBaseUrl: e.GRAPH_BASE_URL,
    tapPilotGroupId: e.TAP_PILOT_GROUP_ID,
    webSignInDeviceGroupId: e.WEB_SIGNIN_DEVICE_GROUP_ID,
    noticeSenderUpn: e.NOTICE_SENDER_UPN,
    concurrency: e.WORKER_CONCURRENCY,
    noticeMailboxConcurrency: e.NOTICE_MAILBOX_CONCURRENCY,
    graphBatchSize: e.GRAPH_BATCH_SIZE,
    userLookupWindowMs: e.USER_LOOKUP_WINDOW_MINUTES * 60_000,
    replicationWindowMs: e.REPLICATION_WINDOW_MINUTES * 60_000,
    tapPolicyCacheMs: e.TAP_POLICY_CACHE_SECONDS * 1000,
    ...readinessFrom(e),
    metrics: e.WORKER_METRICS_PORT === undefined ? null : { host: e.WORKER_METRICS_HOST, port: e.WORKER_METRICS_PORT },
    shutdownTimeoutMs: e.WORKER_SHUTDOWN_TIMEOUT_SECONDS * 1000,
    lockMs: e.WORKER_LOCK_SECONDS * 1000,
  }));

/** Optional in the type (see readiness/readiness-config.ts), always set by the parser. */
function readinessFrom(e: {
  BRAKE_MAX_TAPS: number;
  BRAKE_WINDOW_MINUTES: number;
  BRAKE_MAX_FAILURE_PERCENT: number;
  BRAKE_MIN_BATCH: number;
  DRY_RUN: string;
  READINESS_RECHECK_SECONDS: number;
}): { readiness?: ReadinessConfig } {
  return {
    readiness: {
      brake: {
        maxTaps: e.BRAKE_MAX_TAPS,
        windowMs: e.BRAKE_WINDOW_MINUTES * 60_000,
        maxFailurePercent: e.BRAKE_MAX_FAILURE_PERCENT,
        minBatch: e.BRAKE_MIN_BATCH,
      },
      dryRun: e.DRY_RUN === 'true' || e.DRY_RUN === '1',
      recheckMs: e.READINESS_RECHECK_SECONDS * 1000,
    },
  };
}

/** The variables each service reads: docker-compose.yml must pass every one (tests/compose-file.test.ts). */
export const API_ENV_VARIABLES: readonly string[] = Object.freeze(Object.keys(apiSchema.in.shape));
export const WORKER_ENV_VARIABLES: readonly string[] = Object.freeze(Object.keys(workerSchema.in.shape));

export type ApiConfig = z.output<typeof apiSchema>;
export type WorkerConfig = z.output<typeof workerSchema>;

export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  return parseConfig(apiSchema, env);
}

export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  return parseConfig(workerSchema, env);
}
