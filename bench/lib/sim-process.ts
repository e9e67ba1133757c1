import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './report';
import { stopChild } from './processes';

export interface SimInfo {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  tapPilotGroupId: string;
  webSignInDeviceGroupId: string;
  noticeSenderUpn: string;
  managerId: string;
}

export interface FaultRule {
  method?: string;
  pathPattern?: string;
  kind: 'throttle' | 'status' | 'timeout' | 'latency' | 'commitThenFail';
  latencyMs?: number;
  [k: string]: unknown;
}

/**
 * A simulator child process and its control API (/_sim/, over HTTPS with the simulator's CA).
 * The bench reads counts and state through it; never the passcodes or mails (they hold
 * secrets the benchmarks have no business holding).
 */
export class SimProcess {
  readonly #ca: Buffer;
  private constructor(
    readonly info: SimInfo,
    readonly child: ChildProcess,
  ) {
    this.#ca = readFileSync(info.caCertPath);
  }

  static async start(hires: number): Promise<SimProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'lib', 'sim-main.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, BENCH_SIM_HIRES: String(hires) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before it was ready`)));
    });
    return new SimProcess(JSON.parse(first) as SimInfo, child);
  }

  call<T = unknown>(method: string, p: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return this.raw(method, p, payload, payload ? { 'content-type': 'application/json' } : {}).then(({ status, text }) => {
      if (status >= 400) throw new Error(`${method} ${p}: ${status} ${text.slice(0, 200)}`);
      return (text ? JSON.parse(text) : undefined) as T;
    });
  }

  raw(method: string, p: string, payload?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.info.url}${p}`,
        { method, ca: this.#ca, headers: { ...headers, ...(payload ? { 'content-length': String(Buffer.byteLength(payload)) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${p}: no answer in 30 s`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** An app token for Graph calls made by the bench itself (capacity measurement). */
  async token(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.info.clientId, client_secret: this.info.clientSecret, scope: 'https://graph.microsoft.com/.default' }).toString();
    const res = await this.raw('POST', `/${this.info.tenantId}/oauth2/v2.0/token`, form, { 'content-type': 'application/x-www-form-urlencoded' });
    return (JSON.parse(res.text) as { access_token: string }).access_token;
  }

  counts(): Promise<Record<string, number>> {
    return this.call('GET', '/_sim/counts');
  }

  /** Mails the simulator accepted; `counts().sendMail` counts throttled requests too. */
  async mailCount(): Promise<number> {
    return (await this.call<{ count: number }>('GET', '/_sim/mail-count')).count;
  }

  setFaults(rules: FaultRule[]): Promise<unknown> {
    return this.call('PUT', '/_sim/faults', rules);
  }

  /** Outlook's requests per mailbox per window (the simulator's default: 10,000 per 10 minutes). */
  setMailboxRequestLimit(limit: { requests: number; windowMs: number }): Promise<unknown> {
    return this.call('PUT', '/_sim/mailbox-limit', limit);
  }

  setThrottle(cfg: { writesPerWindow: number; windowMs: number } | null): Promise<unknown> {
    return cfg ? this.call('PUT', '/_sim/throttle', cfg) : this.call('DELETE', '/_sim/throttle');
  }

  /** Method, path, status and time of each request (bounded by the simulator). No bodies. */
  requests(): Promise<Array<{ method: string; path: string; status: number; at: string; operation?: string }>> {
    return this.call('GET', '/_sim/requests');
  }

  clearRequests(): Promise<unknown> {
    return this.call('DELETE', '/_sim/requests');
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
