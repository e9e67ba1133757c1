import { setMaxListeners } from 'node:events';
import { TokenIssuer } from './auth/tokens';
import { SimClock } from './clock';
import { Faults } from './faults';
import { MailboxConcurrency, MailboxRequestWindow } from './mailbox';
import type { Route } from './graph/route';
import { deviceRoutes } from './routes/devices';
import { domainRoutes } from './routes/domains';
import { groupRoutes } from './routes/groups';
import { intuneRoutes } from './routes/intune';
import { notifyRoutes } from './routes/notify';
import { tapRoutes } from './routes/tap';
import { userRoutes } from './routes/users';
import { TenantState } from './tenant/state';
import type { TenantDefinition } from './tenant/types';
import { Throttle } from './throttle';

export interface RequestLogEntry {
  method: string;
  /** Path as requested, query string included (batch items: the item's URL). */
  path: string;
  /** 0 = no answer (dropped connection or a timeout fault). */
  status: number;
  requestId: string;
  at: string;
  appId?: string;
  operation?: string;
  clientRequestId?: string;
  /** Set on $batch items: the request-id of the enclosing batch. */
  batchRequestId?: string;
  durationMs?: number;
}

export const ROUTES: readonly Route[] = [
  ...userRoutes,
  ...groupRoutes,
  ...deviceRoutes,
  ...tapRoutes,
  ...intuneRoutes,
  ...notifyRoutes,
  ...domainRoutes,
];

const MAX_LOG = 50_000;

/** Everything one simulator instance holds; the server, the pipeline and the control API share it. */
export class SimCore {
  readonly clock = new SimClock();
  readonly faults = new Faults();
  readonly throttle = new Throttle();
  readonly mailboxes = new MailboxConcurrency();
  readonly mailboxRequests = new MailboxRequestWindow();
  readonly issuer = new TokenIssuer();
  readonly routes = ROUTES;
  readonly log: RequestLogEntry[] = [];
  readonly counts = new Map<string, number>();
  /** Every latency sleep in flight listens to it, hundreds at once in a benchmark. */
  readonly closing = (() => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  })();
  state: TenantState;
  baseUrl = '';

  constructor(
    readonly tenant: TenantDefinition,
    readonly defaultReplicationLagMs: number,
    readonly tokenLifetimeSeconds: number,
    readonly logRequests: boolean,
  ) {
    this.state = new TenantState(tenant, this.clock, defaultReplicationLagMs);
  }

  record(entry: RequestLogEntry): void {
    // Bounded: the oldest half goes once the log doubles its cap (cheap, amortised).
    if (this.log.length >= 2 * MAX_LOG) this.log.splice(0, MAX_LOG);
    this.log.push(entry);
    if (this.logRequests) {
      const who = entry.appId ? ` app=${entry.appId}` : '';
      process.stdout.write(`[graph-sim] ${entry.method} ${entry.path} -> ${entry.status} (${entry.operation ?? '-'}${who}) ${entry.requestId}\n`);
    }
  }

  count(op: string): void {
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
  }

  reset(): void {
    this.state = new TenantState(this.tenant, this.clock, this.defaultReplicationLagMs);
    this.faults.clear();
    this.throttle.configure(null);
    this.mailboxes.reset();
    this.mailboxRequests.reset();
    this.clock.setOffset(0);
    this.log.length = 0;
    this.counts.clear();
  }
}
