import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@hirepass/core';
import { startStack, type Stack } from '../helpers/stack';
import { dumpRedis } from '../helpers/redis-dump';
import { HIRES, REVEALED_1, REVEALED_2, runScenario, type ScenarioResult } from './support/onboarding-scenario';

/**
 * Issue 6, "Secrets": full onboardings at LOG_LEVEL=trace (reveals, a re-issue, a cancellation),
 * then everything an insider, a dashboard user or a Redis reader could see, searched for every
 * passcode the simulated tenant issued and every reveal token mailed. The only place a passcode
 * may appear is the reveal POST answer; a token only in the mail and the manager's own request.
 */
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;
const BOARD_STATUSES = ['latest', 'active', 'waiting', 'completed', 'failed', 'delayed', 'paused', 'prioritized'];
// A JSON Web Token (Graph access tokens are JWTs): header and payload both start with {" in base64url.
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\./;

/** A secret as it could be written: raw, HTML-escaped, JSON-escaped, URL-encoded. */
function writtenForms(secret: string): string[] {
  const html = secret.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
  const named = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return [...new Set([secret, html, named, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
}

function contains(text: string, secret: string): boolean {
  return writtenForms(secret).some((form) => text.includes(form));
}

describe('secret hygiene across a day of onboardings', () => {
  let stack: Stack;
  let scenario: ScenarioResult;
  /** name → text an attacker or an insider could read. */
  const surfaces = new Map<string, string>();
  let passcodes: string[] = [];
  let tokens: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    scenario = await runScenario(stack);
    passcodes = stack.sim.control.taps().map((t) => t.passcode);
    tokens = [...scenario.tokens.values()].flat();

    const api = async (path: string) => {
      const res = await stack.ops(path);
      return `${res.status} ${await res.text()}`;
    };
    // Read everything first, then the logs last, so the reads' own log lines are searched too.
    surfaces.set('redis', await dumpRedis(stack.redis, stack.prefix));
    const jobs: string[] = [];
    for (const name of Object.values(QUEUES)) {
      const q = new Queue(name, { connection: stack.redis, prefix: stack.prefix });
      for (const job of await q.getJobs([...JOB_STATES], 0, -1)) {
        jobs.push(JSON.stringify({ name: job.name, id: job.id, data: job.data, opts: job.opts, returnvalue: job.returnvalue, failedReason: job.failedReason, stacktrace: job.stacktrace }));
        jobs.push(...(await q.getJobLogs(job.id!)).logs);
      }
      await q.close();
    }
    surfaces.set('job data', jobs.join('\n'));
    surfaces.set('api metrics', await (await fetch(`${stack.apiUrl}/metrics`)).text());
    const pages: string[] = [await api('/api/onboardings?limit=500'), await api('/admin/'), await api('/admin/queues')];
    for (const h of HIRES) {
      for (const path of [`/api/onboardings/${h.employeeId}`, `/api/onboardings/${h.employeeId}/audit`, `/admin/onboardings/${h.employeeId}`]) pages.push(await api(path));
    }
    surfaces.set('ops api and dashboard', pages.join('\n'));
    const board: string[] = [];
    for (const queue of Object.values(QUEUES)) {
      for (const status of BOARD_STATUSES) board.push(await api(`/admin/queues/api/queues?activeQueue=${queue}&status=${status}&page=1&jobsPerPage=100`));
    }
    surfaces.set('queue board api', board.join('\n'));
    const revealPages: string[] = [];
    for (const t of tokens) revealPages.push(await (await fetch(`${stack.apiUrl}/reveal/${t}`)).text());
    surfaces.set('reveal GET pages', revealPages.join('\n'));
    surfaces.set('mails', stack.sim.control.mails().map((m) => `${m.subject}\n${m.content}`).join('\n'));
    surfaces.set('logs', stack.logs.text());
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('ran what it claims: passcodes issued and revealed, pages and logs non-trivial', () => {
    // Four hires, one re-issue: five passes, each with a passcode.
    expect(passcodes).toHaveLength(5);
    for (const p of passcodes) expect(p.length).toBeGreaterThanOrEqual(8);
    expect(tokens).toHaveLength(5);
    for (const h of [REVEALED_1, REVEALED_2]) {
      const issued = stack.sim.control.taps(h.upn).map((t) => t.passcode);
      expect(issued).toHaveLength(1);
      expect(contains(scenario.revealAnswers.get(h.employeeId)!, issued[0]!)).toBe(true);
    }
    // Non-trivial: about 170 lines since issue 8 cut the Graph calls (each logs a line) by a third.
    expect(stack.logs.lines.length).toBeGreaterThan(120);
    // Everything logs at trace; the most talkative lines (Graph calls, follow-ups) are debug.
    expect([stack.apiConfig.logLevel, stack.workerConfig.logLevel]).toEqual(['trace', 'trace']);
    expect(stack.logs.text()).toMatch(/"level":20/);
    expect(surfaces.get('job data')!).toContain('apply-hire-event');
    expect(surfaces.get('queue board api')!).toContain('E-sec-1');
    expect(surfaces.get('ops api and dashboard')!).toContain('tap.issued');
    expect(surfaces.get('redis')!).toContain(':passcode:'); // the unrevealed ones, sealed
  });

  it('no passcode anywhere but its reveal answer', () => {
    for (const [name, text] of surfaces) {
      for (const p of passcodes) expect(contains(text, p), `a passcode in ${name}`).toBe(false);
    }
  });

  it('no reveal token anywhere but the mail', () => {
    for (const [name, text] of surfaces) {
      if (name === 'mails') continue;
      for (const t of tokens) expect(contains(text, t), `a reveal token in ${name}`).toBe(false);
    }
    expect(surfaces.get('logs')!).toContain('/reveal/[redacted]');
  });

  it('no configured secret and no access token anywhere', () => {
    const secrets = {
      'webhook secret': stack.webhookSecret.slice('whsec_'.length),
      'ops token': stack.opsToken,
      'client secret': stack.sim.clientSecret,
      'passcode key': stack.apiConfig.passcodeKeys[0]!.toString('base64'),
    };
    for (const [name, text] of surfaces) {
      for (const [what, value] of Object.entries(secrets)) expect(contains(text, value), `the ${what} in ${name}`).toBe(false);
      expect(JWT.test(text), `a JWT in ${name}`).toBe(false);
    }
  });

  it('sealed passcodes stay in Redis only: never in logs, jobs or pages', async () => {
    const sealed: string[] = [];
    for (const key of await stack.redis.keys(`${stack.prefix}:passcode:*`)) sealed.push((await stack.redis.get(key))!);
    expect(sealed.length).toBeGreaterThan(0);
    for (const [name, text] of surfaces) {
      if (name === 'redis') continue;
      for (const s of sealed) expect(contains(text, s), `a sealed passcode in ${name}`).toBe(false);
    }
  });
});
