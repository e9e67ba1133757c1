import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (no browser download). `npm test` needs only
 * Redis (spec config.md), so on a machine without Chromium these tests are skipped, and say so
 * with the fix. In CI (`CI` set, as .ci/run runs, which installs Chromium) a missing Chromium is
 * a failure instead: the browser tests never go quietly missing there.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
export const SKIP_BROWSER_TESTS = !HAS_CHROMIUM && !process.env.CI;
if (SKIP_BROWSER_TESTS) {
  console.warn(`browser tests skipped: Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH); CI runs them`);
}
export const VIEWPORT = { width: 1280, height: 800 };
/** Committed with the repository and shown in the README. */
// Test runs write under the git-ignored test-results/; `npm run screenshots` refreshes the
// committed copies in docs/screenshots/ that the README shows.
export const SCREENSHOT_DIR =
  process.env.SCREENSHOT_DIR ?? fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!HAS_CHROMIUM) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH. In CI the browser tests do not skip.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: opts.fullPage ?? false, animations: 'disabled' });
}
