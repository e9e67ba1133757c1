import { request } from 'node:https';
import { readFileSync } from 'node:fs';

/** What the simulator writes to connection.json (services/graph-sim/src/index.ts ConnectionInfo). */
export interface SimConnection {
  baseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  tapPilotGroupId: string;
  webSignInDeviceGroupId: string;
  noticeSenderUpn: string;
}

export interface SimTap {
  id: string;
  userId: string;
  userPrincipalName: string;
  passcode: string;
  current: boolean;
  createdDateTime: string;
  deletedAt?: string;
  replacedAt?: string;
}

export interface SimMail {
  id: string;
  to: string[];
  subject: string;
  content: string;
  sentAt: string;
}

export interface SimFaultRule {
  method?: string;
  pathPattern?: string;
  kind: 'throttle' | 'status' | 'timeout' | 'latency' | 'commitThenFail';
  status?: number;
  retryAfterSeconds?: number;
  probability?: number;
  count?: number;
  latencyMs?: number;
  dropConnection?: boolean;
}

/**
 * The simulator's control API (/_sim/, services/graph-sim/README.md) over HTTPS, trusting the
 * simulator's own CA explicitly: this process cannot rely on NODE_EXTRA_CA_CERTS, which Node
 * reads only at start-up and which points at another CA inside vitest.
 */
export class SimControlClient {
  readonly #ca: Buffer;
  constructor(readonly conn: SimConnection) {
    this.#ca = readFileSync(conn.caCertPath);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.conn.baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        { method, ca: this.#ca, headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`));
            try {
              resolve((text ? JSON.parse(text) : null) as T);
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  taps(): Promise<SimTap[]> {
    return this.call('GET', '/_sim/taps');
  }
  mails(): Promise<SimMail[]> {
    return this.call('GET', '/_sim/mails');
  }
  counts(): Promise<Record<string, number>> {
    return this.call('GET', '/_sim/counts');
  }
  setFaults(rules: SimFaultRule[]): Promise<unknown> {
    return this.call('PUT', '/_sim/faults', rules);
  }
  clearFaults(): Promise<unknown> {
    return this.call('DELETE', '/_sim/faults');
  }
  addUser(user: Record<string, unknown> & { userPrincipalName: string }): Promise<{ id: string }> {
    return this.call('POST', '/_sim/users', user);
  }
  addDevice(device: Record<string, unknown> & { displayName: string }): Promise<{ id: string; deviceId: string }> {
    return this.call('POST', '/_sim/devices', device);
  }
  state(): Promise<{ users: Array<{ id: string; userPrincipalName: string; managerId?: string; assignedPlans?: unknown[] }> }> {
    return this.call('GET', '/_sim/state');
  }
}

/**
 * The fault mix of issue 5: 10% 429 (with a short Retry-After) and 5% 503 on every Graph
 * call, and 2% commit-then-fail on every write (half answered 500, half a dropped connection).
 * Rules are first-match-wins with independent draws, so each later probability is scaled to
 * keep the overall shares.
 */
export function chaosFaults(retryAfterSeconds: number): SimFaultRule[] {
  const throttle = 0.1;
  const unavailable = 0.05 / (1 - throttle);
  const rest = (1 - throttle) * (1 - unavailable);
  const commit = 0.01 / rest;
  const rules: SimFaultRule[] = [
    { kind: 'throttle', probability: throttle, retryAfterSeconds },
    { kind: 'status', status: 503, probability: unavailable },
  ];
  for (const method of ['POST', 'PATCH', 'DELETE']) {
    rules.push({ kind: 'commitThenFail', method, probability: commit });
    rules.push({ kind: 'commitThenFail', method, probability: commit / (1 - commit), dropConnection: true });
  }
  return rules;
}

/** Answers the fault rules produce, counted from the simulator's request log (status 0 = connection dropped). */
export async function injectedFaults(sim: SimControlClient): Promise<Record<string, number>> {
  const log = await sim.call<Array<{ status: number; operation?: string }>>('GET', '/_sim/requests');
  const out: Record<string, number> = { '429': 0, '503': 0, '500': 0, dropped: 0 };
  for (const r of log) {
    if (r.operation === 'token') continue;
    if (r.status === 429) out['429']!++;
    else if (r.status === 503) out['503']!++;
    else if (r.status === 500) out['500']!++;
    else if (r.status === 0) out.dropped!++;
  }
  return out;
}
