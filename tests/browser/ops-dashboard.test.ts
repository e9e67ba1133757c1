import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { SKIP_BROWSER_TESTS, VIEWPORT, launchChromium, screenshot } from './browser';
import { HIRES, seedHires } from './seed-hires';

/**
 * Issue 7, as ops use it: a real Chromium against the running product (simulated tenant, API,
 * worker, real Redis). Refused without the credential; with it, the list, its filters, one
 * onboarding, retry and re-issue through their confirmation pages, and the queue dashboard.
 */
describe.skipIf(SKIP_BROWSER_TESTS)('the ops dashboard in a browser', () => {
  let stack: Stack;
  let browser: Browser;
  let ops: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack({ workerEnv: { USER_LOOKUP_WINDOW_MINUTES: '0' } });
    await seedHires(stack);
    ops = await browser.newContext({ viewport: VIEWPORT, httpCredentials: { username: 'ops', password: stack.opsToken } });
    page = await ops.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('refuses the dashboard and the queue board without the ops credential', async () => {
    const anonymous = await browser.newContext({ viewport: VIEWPORT });
    const wrong = await browser.newContext({ viewport: VIEWPORT, httpCredentials: { username: 'ops', password: 'not-the-token-000000' } });
    try {
      const paths = ['/admin/', '/admin/queues', '/admin/onboardings/E-10042', '/admin/onboardings/E-10042/reissue'];
      for (const ctx of [anonymous, wrong]) {
        const p = await ctx.newPage();
        for (const path of paths) {
          expect(await browserRefused(p, `${stack.apiUrl}${path}`), path).toBe(true);
          // What it was answered: 401 with the challenge that makes a browser offer its login prompt.
          const res = await ctx.request.get(`${stack.apiUrl}${path}`, { maxRedirects: 0 });
          expect(res.status(), path).toBe(401);
          expect(res.headers()['www-authenticate']).toMatch(/^Basic realm="hirepass ops"/);
          expect(await res.text()).not.toContain('jane.doe@contoso.com');
        }
      }
    } finally {
      await anonymous.close();
      await wrong.close();
    }
  });

  it('lists onboardings with counts per status, what needs attention first, then by activation', async () => {
    const res = await page.goto(`${stack.apiUrl}/admin/`);
    expect(res?.status()).toBe(200);
    const ids = await page.locator('table.list tbody a.id').allTextContents();
    expect(ids).toHaveLength(HIRES.length);
    // needs_attention first; then by activation instant: today, +4 days (cancelled at +12 last).
    expect(ids[0]).toBe('E-10045');
    expect(ids.slice(1)).toEqual(['E-10042', 'E-10044', 'E-10043', 'E-10046']);
    await expect(page.locator('nav.filters a', { hasText: 'scheduled (2)' }).count()).resolves.toBe(1);
    await expect(page.locator('nav.filters a', { hasText: 'needs attention (1)' }).count()).resolves.toBe(1);
    expect(await page.locator('p.notice.bad').textContent()).toContain('1 onboarding needs a person');
    expect(await page.locator('tr.attention').textContent()).toContain('new.starter@contoso.com');
    await screenshot(page, 'admin-onboardings');

    await page.locator('nav.filters a', { hasText: 'scheduled (2)' }).click();
    await page.waitForURL(/\?status=scheduled$/);
    expect((await page.locator('table.list tbody a.id').allTextContents()).sort()).toEqual(['E-10043', 'E-10044']);
    expect(await page.locator('nav.filters a[aria-current="page"]').textContent()).toBe('scheduled (2)');

    await page.locator('nav.filters a', { hasText: 'cancelled (1)' }).click();
    expect(await page.locator('table.list tbody a.id').allTextContents()).toEqual(['E-10046']);
  });

  it('shows one onboarding: steps, activation in the hire zone and UTC, device, timeline with Graph request-ids', async () => {
    await page.goto(`${stack.apiUrl}/admin/`);
    await page.locator('a.id', { hasText: 'E-10042' }).click();
    await page.waitForURL(/\/admin\/onboardings\/E-10042$/);
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).toContain('Jane Doe');
    // Midnight in Berlin, and the same instant in UTC (23:00 or 22:00 the day before).
    expect(body).toMatch(/, 00:00 \(Europe\/Berlin, GMT\+0[12]:00\)/);
    expect(body).toMatch(/\d{4}-\d{2}-\d{2} 2[23]:00 UTC/);
    expect(body).toContain('ready for Web Sign-in');
    expect(body).toContain('6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44');
    for (const action of ['event.accepted', 'user.resolved', 'membership.added', 'tap.issued', 'notice.sent']) expect(body).toContain(action);
    const issued = stack.sim.control.taps().find((t) => t.userPrincipalName === 'jane.doe@contoso.com')!;
    const tapRow = page.locator('table.timeline tr', { hasText: 'tap.issued' });
    const requestId = ((await tapRow.locator('td').nth(5).textContent()) ?? '').trim();
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).toContain(issued.id);
    expect(body).not.toContain(issued.passcode);
    await screenshot(page, 'admin-onboarding');

    // The hybrid-joined device: the step is skipped and the page says why.
    await page.goto(`${stack.apiUrl}/admin/onboardings/E-10044`);
    expect(await page.locator('main').textContent()).toMatch(/no Web Sign-in:.*hybrid/i);
  });

  it('retry and re-issue go through a confirmation page and show the result', async () => {
    await page.goto(`${stack.apiUrl}/admin/onboardings/E-10045`);
    await page.locator('a.button', { hasText: 'Retry failed step' }).click();
    await page.waitForURL(/\/admin\/onboardings\/E-10045\/retry$/);
    expect(await page.locator('h1').textContent()).toBe('Retry the failed or waiting step for new.starter@contoso.com (E-10045)?');
    // Cancel changes nothing.
    await page.locator('a.button', { hasText: 'Cancel' }).click();
    await page.waitForURL(/\/admin\/onboardings\/E-10045$/);
    expect(await page.locator('main').textContent()).not.toContain('ops.retry.requested');
    await page.locator('a.button', { hasText: 'Retry failed step' }).click();
    await page.locator('button', { hasText: 'Yes, retry' }).click();
    await page.waitForURL(/\/admin\/onboardings\/E-10045\?done=retry$/);
    expect(await page.locator('p.notice.ok').textContent()).toContain('Retry requested');
    expect(await page.locator('table.timeline').textContent()).toContain('ops.retry.requested');
    await waitFor('the worker to carry out the retry', async () => {
      await page.reload();
      return (await page.locator('table.timeline').textContent())?.includes('ops.retry.started');
    });

    // Re-issue for the notified hire: a new pass, a new link, a second notice.
    await page.goto(`${stack.apiUrl}/admin/onboardings/E-10042`);
    const firstTap = stack.sim.control.taps().find((t) => t.userPrincipalName === 'jane.doe@contoso.com' && t.current)!;
    await page.locator('a.button', { hasText: 'Re-issue pass' }).click();
    await page.waitForURL(/\/admin\/onboardings\/E-10042\/reissue$/);
    expect(await page.locator('.confirm').textContent()).toContain('This replaces the current pass and sends a new link.');
    expect(await page.locator('.confirm').textContent()).toContain(firstTap.id);
    await screenshot(page, 'admin-confirm-reissue');
    await page.locator('button', { hasText: 'Yes, re-issue' }).click();
    await page.waitForURL(/\/admin\/onboardings\/E-10042\?done=reissue$/);
    expect(await page.locator('p.notice.ok').textContent()).toContain('Re-issue requested');
    await waitFor('the second notice', () => stack.sim.control.mails().filter((m) => m.to.includes('sam.lee@contoso.com')).length >= 2);
    const newTap = await waitFor('a new current pass', () => stack.sim.control.taps().find((t) => t.userPrincipalName === 'jane.doe@contoso.com' && t.current && t.id !== firstTap.id));
    await waitFor('the page to show the new pass', async () => {
      await page.goto(`${stack.apiUrl}/admin/onboardings/E-10042`);
      return (await page.locator('main').textContent())?.includes(newTap.id);
    });
    const timeline = (await page.locator('table.timeline').textContent()) ?? '';
    expect(timeline).toContain('ops.reissue.requested');
    expect(timeline).toContain('ops.reissue.started');
  });

  it('serves the queue dashboard with every queue, and job data without personal data', async () => {
    const res = await page.goto(`${stack.apiUrl}/admin/queues`);
    expect(res?.status()).toBe(200);
    await page.getByText('hire-events').first().waitFor();
    await page.getByText('onboarding', { exact: true }).first().click();
    await page.waitForURL(/\/admin\/queues\/queue\/onboarding/);
    // The delayed tab holds the scheduled activations and the expiry follow-ups.
    await page.goto(`${stack.apiUrl}/admin/queues/queue/onboarding?status=delayed`);
    await page.getByText(/activate/).first().waitFor();
    const shown = (await page.locator('body').textContent()) ?? '';
    for (const h of HIRES) expect(shown).not.toContain(h.upn);
    await screenshot(page, 'admin-queues');
    // The board's own JSON, as its page fetches it: ids, types and dates only.
    const api = await page.evaluate(async () => (await fetch('/admin/queues/api/queues?activeQueue=hire-events&status=completed&page=1&jobsPerPage=50')).text());
    expect(api).toContain('E-10042');
    for (const h of HIRES) expect(api).not.toContain(h.upn);
    expect(api).not.toContain('sam.lee@contoso.com');
    // One job opened on its own goes through the same formatters.
    const jobId = (JSON.parse(api) as { queues: { name: string; jobs: { id: string }[] }[] }).queues.find((q) => q.name === 'hire-events')!.jobs[0]!.id;
    const one = await page.evaluate(async (id) => (await fetch(`/admin/queues/api/queues/hire-events/${encodeURIComponent(id)}`)).text(), jobId);
    expect(one).toContain(jobId);
    for (const h of HIRES) expect(one).not.toContain(h.upn);
  });
});

/**
 * The browser is challenged and has no right answer: headless Chromium shows no prompt and
 * either ends the navigation (ERR_INVALID_AUTH_CREDENTIALS) or shows the 401 answer; both
 * are a refusal, as long as nothing of the dashboard arrives.
 */
async function browserRefused(page: Page, url: string): Promise<boolean> {
  try {
    const res = await page.goto(url);
    return res?.status() === 401 && !(await res.text()).includes('@contoso.com');
  } catch (err) {
    return /ERR_INVALID_AUTH_CREDENTIALS/.test(String(err));
  }
}
