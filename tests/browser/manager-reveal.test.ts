import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { RevealLinks, hashRevealToken } from '@hirepass/core';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { SKIP_BROWSER_TESTS, VIEWPORT, launchChromium, screenshot } from './browser';

/**
 * Issue 7, as the manager sees it: the link from the notice opens a calm page with who, the
 * validity window in the hire's local time and the lock-screen steps of the walkthrough; the
 * button shows the passcode once; a reload does not show it again. A withdrawn or expired link
 * says what happened and what to do.
 */
describe.skipIf(SKIP_BROWSER_TESTS)('the reveal page in a browser', () => {
  let stack: Stack;
  let browser: Browser;
  let manager: BrowserContext;
  let page: Page;
  const upn = 'jane.doe@contoso.com';
  const zone = 'America/New_York';

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack();
    manager = await browser.newContext({ viewport: VIEWPORT });
    page = await manager.newPage();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
    const res = await stack.postEvent({
      type: 'hire.created',
      timestamp: new Date().toISOString(),
      data: { employeeId: 'E-20001', userPrincipalName: upn, startDate: today, timeZone: zone, activationTime: '00:00', deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44', tap: { lifetimeMinutes: 480 } },
    });
    expect(res.status).toBe(202);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const links = () => stack.sim.control.mails().map((m) => /href="(https?:\/\/[^"]+\/reveal\/[A-Za-z0-9_-]{43})"/.exec(m.content)?.[1]).filter((l): l is string => !!l);
  const currentPasscode = () => stack.sim.control.taps().find((t) => t.userPrincipalName === upn && t.current)!.passcode;

  it('shows who, the window in local time and the sign-in steps; reveals once; a reload shows nothing', async () => {
    const [link] = await waitFor('the notice with its link', () => (links().length ? links() : null));
    const passcode = currentPasscode();

    const landing = await page.goto(link!);
    expect(landing?.status()).toBe(200);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('Jane Doe');
    expect(text).toContain(upn);
    expect(text).toMatch(/Valid from.*\(America\/New_York, GMT-0[45]:00\)/s);
    expect(text).toMatch(/Valid until.*UTC/s);
    // The seed walkthrough's Step 4, in its order.
    const steps = await page.locator('ol.steps li').allTextContents();
    expect(steps.join(' | ')).toMatch(/Sign-in options.*\|.*globe icon.*\|.*Sign in.*\|.*jane\.doe@contoso\.com.*Next.*\|.*passcode/);
    expect(text).not.toContain(passcode);
    await screenshot(page, 'reveal-landing');

    await page.getByRole('button', { name: 'Show the passcode' }).click();
    await page.waitForLoadState();
    expect((await page.locator('output.passcode').textContent())?.trim()).toBe(passcode);
    expect(await page.locator('main').textContent()).toContain('will not show the passcode again');
    await screenshot(page, 'reveal-passcode');

    // Reload (the browser may post the form again, or the manager opens the link again): gone.
    await page.reload();
    expect(await page.content()).not.toContain(passcode);
    const again = await page.goto(link!);
    expect(again?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('This passcode has already been shown');
    expect(await page.content()).not.toContain(passcode);
    await screenshot(page, 'reveal-already-shown');
  });

  it('a link withdrawn by a re-issue, and one that expired, say so and what to do', async () => {
    const [first] = links();
    const reissued = await stack.ops('/api/onboardings/E-20001/reissue', { method: 'POST' });
    expect(reissued.status).toBe(202);
    const second = await waitFor('the new notice', () => (links().length >= 2 ? links()[1] : null));
    expect(second).not.toBe(first);

    // The re-issue's new link works until its pass expires.
    const open = await page.goto(second!);
    expect(open?.status()).toBe(200);

    // What the worker does when the pass expires unrevealed (the expiry follow-up job).
    const token = /\/reveal\/([A-Za-z0-9_-]{43})$/.exec(second!)![1]!;
    await new RevealLinks(stack.redis, stack.prefix).end(hashRevealToken(token), 'expired', new Date());
    const expired = await page.goto(second!);
    expect(expired?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('This link has expired');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('(America/New_York, GMT');
    expect(text).toMatch(/ask your IT or operations team to re-issue/i);
    await screenshot(page, 'reveal-expired');
  });
});
