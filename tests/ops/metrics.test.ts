import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { scrape, valueOf, workerMetricsUrl, type Sample } from './scrape';

/**
 * Issue 7: scrape /metrics after an onboarding and see the counters move. The API serves
 * what it sees (webhooks, reveals, HTTP, queue depths, onboardings per status, live workers);
 * each worker serves its own /metrics on WORKER_METRICS_PORT (jobs, Graph calls and 429s,
 * TAPs, notices, activation lags). Neither ever carries a UPN, an employee id or another id.
 */
describe('metrics after an onboarding', () => {
  let stack: Stack;
  const employeeId = 'E-77031';
  const upn = 'jane.doe@contoso.com';

  beforeAll(async () => {
    stack = await startStack({ workerEnv: { WORKER_METRICS_PORT: '0' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('moves the API and worker counters, and no label names a person or an object', async () => {
    const workerUrl = await workerMetricsUrl(stack);
    const before = await scrape(workerUrl);
    expect(valueOf(before.samples, 'hirepass_taps_issued_total')).toBe(0);
    expect(valueOf(before.samples, 'hirepass_notices_total', { outcome: 'sent' })).toBe(0);

    const event = {
      type: 'hire.created',
      timestamp: new Date().toISOString(),
      data: {
        employeeId,
        userPrincipalName: upn,
        startDate: new Date().toISOString().slice(0, 10),
        timeZone: 'UTC',
        activationTime: '00:00', // already passed: the passcode step runs at once
        deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44',
      },
    };
    expect((await stack.postEvent(event, { id: 'evt-metrics-1' })).status).toBe(202);
    expect((await stack.postEvent(event, { id: 'evt-metrics-1' })).status).toBe(200);
    expect((await stack.postEvent({ ...event, type: 'hire.promoted' })).status).toBe(400);

    const mail = await waitFor('the manager notice', () => stack.sim.control.mails()[0]);
    await waitFor('status notified', async () => ((await (await stack.ops(`/api/onboardings/${employeeId}`)).json()) as { status: string }).status === 'notified');
    await revealOnce(stack, mail.content);

    const api = await scrape(`${stack.apiUrl}/metrics`);
    // The worker records its counters as the record is written; the job completes right after.
    // Due at once, so the prepare job issued the pass too: no activate job of its own.
    const worker = await waitFor('the prepare job counted', async () => {
      const s = await scrape(workerUrl);
      return valueOf(s.samples, 'hirepass_jobs_total', { queue: 'onboarding', job: 'prepare', outcome: 'completed' }) >= 1 ? s : null;
    });

    // API: webhooks by outcome and reason, reveals, queue depths, onboardings, workers, process.
    expect(valueOf(api.samples, 'hirepass_webhooks_total', { outcome: 'accepted', reason: 'none' })).toBe(1);
    expect(valueOf(api.samples, 'hirepass_webhooks_total', { outcome: 'duplicate', reason: 'none' })).toBe(1);
    expect(valueOf(api.samples, 'hirepass_webhooks_total', { outcome: 'rejected', reason: 'schema' })).toBe(1);
    expect(valueOf(api.samples, 'hirepass_reveals_total', { outcome: 'revealed' })).toBe(1);
    expect(valueOf(api.samples, 'hirepass_onboardings', { status: 'revealed' })).toBe(1);
    expect(valueOf(api.samples, 'hirepass_onboardings', { status: 'failed' })).toBe(0);
    expect(valueOf(api.samples, 'hirepass_workers_alive')).toBe(1);
    expect(api.samples.some((s) => s.name === 'hirepass_queue_jobs' && s.labels.queue === 'onboarding' && s.labels.state === 'delayed')).toBe(true);
    expect(valueOf(api.samples, 'hirepass_http_request_duration_seconds_count', { route: '/reveal/:token', method: 'POST', status_code: '200' })).toBe(1);
    expect(api.body).toContain('process_resident_memory_bytes');

    // Worker: jobs by queue and outcome, Graph calls by operation and status, TAPs, notices, lags.
    const w = worker.samples;
    expect(valueOf(w, 'hirepass_jobs_total', { queue: 'hire-events', job: 'apply-hire-event', outcome: 'completed' })).toBe(1);
    expect(valueOf(w, 'hirepass_jobs_total', { queue: 'onboarding', job: 'prepare', outcome: 'completed' })).toBe(1);
    expect(valueOf(w, 'hirepass_jobs_total', { outcome: 'failed' })).toBe(0);
    expect(valueOf(w, 'hirepass_job_duration_seconds_count', { queue: 'onboarding', job: 'prepare' })).toBe(1);
    expect(w.some((s) => s.labels.job === 'activate' && s.value > 0)).toBe(false);
    expect(valueOf(w, 'hirepass_graph_calls_total', { operation: 'get_user', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(w, 'hirepass_graph_calls_total', { operation: 'create_tap', status: '201' })).toBe(1);
    expect(valueOf(w, 'hirepass_graph_calls_total', { operation: 'send_mail', status: '202' })).toBe(1);
    expect(valueOf(w, 'hirepass_graph_call_duration_seconds_count', { operation: 'create_tap' })).toBe(1);
    expect(w.some((s) => s.name === 'hirepass_graph_throttled_total')).toBe(false); // no 429 yet: no series
    expect(valueOf(w, 'hirepass_taps_issued_total', { kind: 'activation' })).toBe(1);
    expect(valueOf(w, 'hirepass_notices_total', { outcome: 'sent' })).toBe(1);
    expect(valueOf(w, 'hirepass_notices_total', { outcome: 'failed' })).toBe(0);
    expect(valueOf(w, 'hirepass_activation_to_tap_created_seconds_count')).toBe(1);
    expect(valueOf(w, 'hirepass_activation_to_notice_sent_seconds_count')).toBe(1);
    // Activation was today 00:00 UTC: the lag is the time since midnight, never negative.
    expect(valueOf(w, 'hirepass_activation_to_tap_created_seconds_sum')).toBeGreaterThan(0);
    expect(worker.body).toContain('process_cpu_user_seconds_total');

    // Nothing personal or identifying in any label value, on either target.
    const record = (await (await stack.ops(`/api/onboardings/${employeeId}`)).json()) as { tap: { id: string } };
    const user = stack.sim.control.state().users.find((u) => u.userPrincipalName === upn)!;
    const forbidden = [upn, 'jane.doe', '@', employeeId, 'evt-metrics-1', user.id, record.tap.id, stack.sim.tapPilotGroupId, stack.prefix];
    const values = labelValues([...api.samples, ...w]);
    expect(values).toEqual(expect.arrayContaining(['create_tap', 'hire-events', 'revealed', '201']));
    for (const value of values) {
      for (const f of forbidden) expect(value.toLowerCase(), `label value ${value}`).not.toContain(f.toLowerCase());
    }
  });

  it('logs JSON lines that follow the hire across services: employeeId, event id, job id, step, attempt, Graph request-id', () => {
    const lines = stack.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = lines.filter((l) => l.employeeId === employeeId);
    const received = mine.find((l) => l.msg === 'hire event received');
    expect(received).toMatchObject({ eventId: 'evt-metrics-1', type: 'hire.created', outcome: 'accepted' });
    expect(mine.find((l) => l.msg === 'hire event applied')).toMatchObject({ eventId: 'evt-metrics-1', jobId: expect.any(String), attempt: 1 });
    expect(mine.some((l) => typeof l.step === 'string' && typeof l.jobId === 'string' && l.attempt === 1)).toBe(true);
    // Graph calls are logged within their job, with Graph's request-id.
    const graphCalls = mine.filter((l) => l.msg === 'graph call');
    expect(graphCalls.length).toBeGreaterThanOrEqual(5);
    for (const g of graphCalls) expect(g).toMatchObject({ jobId: expect.any(String), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: expect.any(Number) });
  });

  it('counts Graph 429s by operation', async () => {
    const workerUrl = await workerMetricsUrl(stack);
    stack.sim.control.setFaults([{ method: 'GET', pathPattern: '^/users/omar\\.haddad', kind: 'throttle', retryAfterSeconds: 1, count: 1 }]);
    const event = {
      type: 'hire.created',
      timestamp: new Date().toISOString(),
      data: { employeeId: 'E-77032', userPrincipalName: 'omar.haddad@contoso.com', startDate: dateInDays(20), timeZone: 'Europe/Berlin' },
    };
    expect((await stack.postEvent(event)).status).toBe(202);
    const s = await waitFor('a 429 counted', async () => {
      const got = await scrape(workerUrl);
      return valueOf(got.samples, 'hirepass_graph_throttled_total', { operation: 'get_user' }) >= 1 ? got : null;
    });
    expect(valueOf(s.samples, 'hirepass_graph_calls_total', { operation: 'get_user', status: '429' })).toBe(1);
    // Throttling delays the work; it never fails it.
    const done = await waitFor('the user step done after the 429', async () => {
      const r = (await (await stack.ops('/api/onboardings/E-77032')).json()) as { status: string; steps: { user: { state: string } } };
      return r.steps.user.state === 'done' ? r : null;
    });
    expect(done.status).not.toBe('failed');
  });
});

function labelValues(samples: Sample[]): string[] {
  return [...new Set(samples.flatMap((s) => Object.values(s.labels)))];
}

function dateInDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Opens the notice's link and presses the button, as the manager's browser would. */
async function revealOnce(stack: Stack, mailHtml: string): Promise<void> {
  const token = /\/reveal\/([A-Za-z0-9_-]{43})/.exec(mailHtml)?.[1];
  if (!token) throw new Error('no reveal link in the notice');
  const page = await fetch(`${stack.apiUrl}/reveal/${token}`);
  const html = await page.text();
  const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
  const hidden = [...html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)];
  const res = await fetch(`${stack.apiUrl}/reveal/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(hidden.map((m): [string, string] => [m[1]!, m[2]!])).toString(),
  });
  if (res.status !== 200) throw new Error(`reveal answered ${res.status}`);
}
