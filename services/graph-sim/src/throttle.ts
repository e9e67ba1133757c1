/**
 * A token bucket per app and tenant, like Graph's identity limits: resource units (or plain reads)
 * and writes per window, refilled continuously. An empty bucket answers 429 with Retry-After = the
 * time until it holds enough again.
 */
export interface ThrottleConfig {
  writesPerWindow: number;
  windowMs: number;
  /** Reads (GET) per window; absent = reads are not limited by count. */
  readsPerWindow?: number;
  /** Resource units per window, every request paying its route's cost; absent = not limited. */
  resourceUnitsPerWindow?: number;
}

export interface ThrottleVerdict {
  retryAfterSeconds: number;
  scope: string;
  information: string;
}

class Bucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes n tokens, or returns the ms until n are there. */
  take(n: number, now: number): number {
    const rate = this.capacity / this.windowMs;
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * rate);
    this.last = now;
    if (this.tokens >= n) {
      this.tokens -= n;
      return 0;
    }
    return Math.ceil((n - this.tokens) / rate);
  }
}

export class Throttle {
  private config: ThrottleConfig | null = null;
  private buckets = new Map<string, Bucket>();

  configure(config: ThrottleConfig | null): void {
    if (config) {
      for (const [k, v] of Object.entries(config)) {
        if (v !== undefined && !(typeof v === 'number' && v > 0)) throw new Error(`throttle.${k} must be a positive number`);
      }
      if (!config.windowMs || !config.writesPerWindow) throw new Error('throttle needs writesPerWindow and windowMs');
    }
    this.config = config;
    this.buckets.clear();
  }

  current(): ThrottleConfig | null {
    return this.config;
  }

  private bucket(key: string, capacity: number, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new Bucket(capacity, (this.config as ThrottleConfig).windowMs, now);
      this.buckets.set(key, b);
    }
    return b;
  }

  check(tenantId: string, appId: string, write: boolean, cost: number, now = Date.now()): ThrottleVerdict | undefined {
    const c = this.config;
    if (!c) return undefined;
    const key = `${tenantId}/${appId}`;
    const checks: Array<[string, number, number, string]> = [];
    if (c.resourceUnitsPerWindow) checks.push(['ru', c.resourceUnitsPerWindow, cost, 'ResourceUnitLimitExceeded']);
    if (write) checks.push(['w', c.writesPerWindow, 1, 'WriteLimitExceeded']);
    else if (c.readsPerWindow) checks.push(['r', c.readsPerWindow, 1, 'ReadLimitExceeded']);
    for (const [name, capacity, n, information] of checks) {
      const waitMs = this.bucket(`${key}/${name}`, capacity, now).take(n, now);
      if (waitMs > 0) {
        return {
          retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
          scope: `Tenant_Application/${write ? 'ReadWrite' : 'Read'}/${tenantId}/${appId}`,
          information,
        };
      }
    }
    return undefined;
  }
}
