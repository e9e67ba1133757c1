import { createServer, type Server } from 'node:http';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JOBS, OnboardingStore, type ChangeAudit, type GraphCallEvent, type OnboardingRecord } from '@hirepass/core';

/**
 * The worker's Prometheus metrics. Each worker process serves its own `/metrics` on
 * WORKER_METRICS_PORT and Prometheus scrapes every worker, the same way it scrapes the API:
 * counters stay exact and monotonic per process (a worker that dies or restarts is an
 * ordinary counter reset, which rate() handles), histograms need no merging, and nothing is
 * written to Redis on the hot path. Aggregating through Redis instead would make the sum drop
 * whenever a worker's snapshot expired, which Prometheus reads as a reset and turns into a
 * false spike.
 *
 * Labels are closed sets: queue and job names from the catalog, the adapter's fixed operation
 * names, HTTP statuses. Never a UPN, employee id, object id, token or URL.
 */

const LAG_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600];
const KNOWN_JOBS: ReadonlySet<string> = new Set(Object.values(JOBS).map((j) => j.name));

export type JobOutcome = 'completed' | 'retrying' | 'failed' | 'stalled';
export type NoticeOutcome = 'sent' | 'unknown' | 'failed';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly jobs = new Counter({
    name: 'hirepass_jobs_total',
    help: 'Jobs finished by this worker, by queue, job name and outcome (retrying: failed, BullMQ tries again)',
    labelNames: ['queue', 'job', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'hirepass_job_duration_seconds',
    help: 'Processing time of completed jobs',
    labelNames: ['queue', 'job'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly graphCalls = new Counter({
    name: 'hirepass_graph_calls_total',
    help: 'Microsoft Graph calls by operation and HTTP status (none: no answer, e.g. timeout or token failure)',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly graphThrottled = new Counter({
    name: 'hirepass_graph_throttled_total',
    help: 'Graph calls answered 429 (throttled), by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly graphDuration = new Histogram({
    name: 'hirepass_graph_call_duration_seconds',
    help: 'Graph call duration by operation',
    labelNames: ['operation'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly graphBatches = new Histogram({
    name: 'hirepass_graph_batch_size',
    help: 'Graph calls per $batch request sent (calls made at one moment share one; a call alone goes without a batch)',
    buckets: [2, 4, 8, 12, 16, 20],
    registers: [this.registry],
  });
  readonly tapsIssued = new Counter({
    name: 'hirepass_taps_issued_total',
    help: 'Temporary Access Passes created, for an activation or an ops re-issue',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly tapsExpired = new Counter({
    name: 'hirepass_taps_expired_total',
    help: 'TAPs that reached their expiry, by whether the manager had revealed the passcode',
    labelNames: ['revealed'] as const,
    registers: [this.registry],
  });
  readonly notices = new Counter({
    name: 'hirepass_notices_total',
    help: 'Manager notices by outcome (unknown: the send got no clear answer and is not repeated)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly activationToTap = new Histogram({
    name: 'hirepass_activation_to_tap_created_seconds',
    help: 'From the activation instant to the TAP being created (activations, not re-issues)',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  readonly activationToNotice = new Histogram({
    name: 'hirepass_activation_to_notice_sent_seconds',
    help: 'From the activation instant to the manager notice being sent (activations, not re-issues)',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Known label values start at zero, so a dashboard shows "0 failed" rather than no series.
    for (const outcome of ['sent', 'unknown', 'failed'] as const) this.notices.inc({ outcome }, 0);
    for (const revealed of ['true', 'false'] as const) this.tapsExpired.inc({ revealed }, 0);
    for (const kind of ['activation', 'reissue'] as const) this.tapsIssued.inc({ kind }, 0);
  }

  /** For the msgraph adapter's `onCall`. */
  readonly graphCall = (e: GraphCallEvent): void => {
    const operation = operationLabel(e.operation);
    const status = e.status !== null && e.status > 0 ? String(e.status) : 'none';
    this.graphCalls.inc({ operation, status });
    if (e.status === 429) this.graphThrottled.inc({ operation });
    this.graphDuration.observe({ operation }, e.durationMs / 1000);
  };

  /** For the msgraph adapter's `onBatch`. */
  readonly graphBatch = (size: number): void => {
    this.graphBatches.observe(size);
  };

  /** What an onboarding's change says about TAPs and notices (called with the record before and after a write). */
  readonly recordChanged = (before: RecordSnapshot, after: OnboardingRecord): void => {
    const reissue = after.lastReissue?.generation === after.generation;
    if (after.tap && after.tap.id !== before.tap?.id) {
      this.tapsIssued.inc({ kind: reissue ? 'reissue' : 'activation' });
      if (!reissue) observeLag(this.activationToTap, after.activationAt, after.tap.createdAt);
    }
    if (after.notice.state !== before.notice.state) {
      if (after.notice.state === 'sent') {
        this.notices.inc({ outcome: 'sent' });
        if (!reissue && after.notice.sentAt) observeLag(this.activationToNotice, after.activationAt, after.notice.sentAt);
      } else if (after.notice.state === 'unknown' || after.notice.state === 'failed') {
        this.notices.inc({ outcome: after.notice.state });
      }
    }
    if (after.steps.notice.state === 'failed' && before.steps.notice.state !== 'failed' && after.notice.state !== 'failed') {
      this.notices.inc({ outcome: 'failed' });
    }
    if (after.expiry && after.expiry.tapId !== before.expiry?.tapId) {
      this.tapsExpired.inc({ revealed: String(after.expiry.revealed) });
    }
  };

  /** Counts a BullMQ worker's finished jobs. */
  watch(worker: Worker, queue: string): void {
    worker.on('completed', (job) => {
      const labels = { queue, job: jobLabel(job.name) };
      this.jobs.inc({ ...labels, outcome: 'completed' });
      if (job.processedOn && job.finishedOn) this.jobDuration.observe(labels, Math.max(0, job.finishedOn - job.processedOn) / 1000);
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err?.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      this.jobs.inc({ queue, job: jobLabel(job.name), outcome: final ? 'failed' : 'retrying' });
    });
    // A job whose lock expired (its worker died or hung) and that another worker takes over.
    worker.on('stalled', () => this.jobs.inc({ queue, job: 'unknown', outcome: 'stalled' }));
  }
}

function operationLabel(operation: string): string {
  return operation.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'unknown';
}

function jobLabel(name: string): string {
  return KNOWN_JOBS.has(name) ? name : 'other';
}

function observeLag(h: Histogram, activationAt: string, at: string): void {
  const seconds = (Date.parse(at) - Date.parse(activationAt)) / 1000;
  // A late event starts after its activation instant: the lag is real; a NaN is not.
  if (Number.isFinite(seconds)) h.observe(Math.max(0, seconds));
}

/**
 * The OnboardingStore the worker's workflow writes through: each successful write is shown
 * to `onChange` with the record as it was, so metrics follow what happened without the
 * workflow knowing about them. `mutate` may run several times under contention; only the
 * write that lands is reported.
 */
/** The parts of a record before a change that recordChanged compares (a full copy cost a clone per write). */
export type RecordSnapshot = {
  tap: Pick<NonNullable<OnboardingRecord['tap']>, 'id'> | null;
  notice: Pick<OnboardingRecord['notice'], 'state'>;
  steps: { notice: Pick<OnboardingRecord['steps']['notice'], 'state'> };
  expiry?: Pick<NonNullable<OnboardingRecord['expiry']>, 'tapId'> | null;
  rev: number;
};

function snapshot(r: OnboardingRecord): RecordSnapshot {
  return {
    tap: r.tap ? { id: r.tap.id } : null,
    notice: { state: r.notice.state },
    steps: { notice: { state: r.steps.notice.state } },
    expiry: r.expiry ? { tapId: r.expiry.tapId } : null,
    rev: r.rev,
  };
}

export class ObservedOnboardingStore extends OnboardingStore {
  constructor(
    redis: Redis,
    prefix: string,
    private readonly onChange: (before: RecordSnapshot, after: OnboardingRecord) => void,
  ) {
    super(redis, prefix);
  }

  override async update(
    employeeId: string,
    mutate: (current: OnboardingRecord) => OnboardingRecord | null,
    audit?: ChangeAudit,
  ): Promise<OnboardingRecord | null> {
    let before: RecordSnapshot | null = null;
    const out = await super.update(
      employeeId,
      (current) => {
        before = snapshot(current);
        return mutate(current);
      },
      audit,
    );
    const prev = before as RecordSnapshot | null;
    if (prev && out && out.rev !== prev.rev) {
      try {
        this.onChange(prev, out);
      } catch {
        // Metrics never fail a write that has already happened.
      }
    }
    return out;
  }
}

/** Serves the registry at GET /metrics; `port` 0 takes any free port (see `url`). */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
