import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless; .ci/run installs it (apt-get install chromium). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (never npx playwright install)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where the tests' screenshots go (git-ignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The zone every dashboard test's browser runs in, with en-US formats, so expected figures are the API's formatted the same way. */
export const ZONE = 'Asia/Tokyo';

export interface DashboardSession {
  page: Page;
  /** Calls the page made to the API (not the dashboard's own files). */
  apiCalls: string[];
  /** Console errors, such as a Content-Security-Policy violation. */
  consoleErrors: string[];
}

/**
 * The dashboard of the service at `origin` in a fresh browser context (a tab of its own), in
 * {@link ZONE}; `now` fixes the browser's clock (its timers keep running), to stand for a client
 * whose clock is ahead of the server's.
 */
export async function openDashboard(browser: Browser, origin: string, options: { width?: number; hash?: string; now?: Date } = {}): Promise<DashboardSession> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    locale: 'en-US',
    timezoneId: ZONE,
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  if (options.now) await page.clock.setFixedTime(options.now);
  const session: DashboardSession = { page, apiCalls: [], consoleErrors: [] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith('/dashboard')) session.apiCalls.push(`${request.method()} ${url.pathname}${url.search}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') session.consoleErrors.push(message.text());
  });
  await page.goto(`${origin}/dashboard${options.hash ?? ''}`);
  return session;
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.fill('#api-key', key);
  await page.click('button[type=submit]');
}

/** The text of the figure card labelled `label`. */
export const figure = async (page: Page, label: string) => (await page.locator(`[data-figure="${label}"]`).textContent())?.trim();
