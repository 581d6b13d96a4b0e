/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTNERS, loadDemoData } from '../../scripts/demo-data.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { figure, launchChromium, openDashboard as openDashboardOf, screenshot, signIn, ZONE, type DashboardSession } from '../helpers/browser.js';
import { builtDashboard } from '../helpers/dashboard-build.js';

/**
 * The dashboard in Debian's Chromium against the real service on a real port, seeded through
 * the API. The browser runs in Tokyo's zone with en-US formats, so every expected figure below
 * is the API's number formatted the same way.
 */
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
// The dashboard sends local-day bounds as instants: 2024-01-01 00:00 in Tokyo is 2023-12-31T15:00Z.
const YEAR_2024 = 'start_date=2023-12-31T15:00:00.000Z&end_date=2024-12-31T14:59:59.999Z';

let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  const dashboardDir = await builtDashboard();
  t = await startTestApp({}, { dashboardDir });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  await loadDemoData(base, t.adminKey);
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function openDashboard(options: { width?: number; hash?: string; origin?: string } = {}): Promise<DashboardSession> {
  return openDashboardOf(browser, options.origin ?? base, options);
}

interface ExplanationAnswer {
  deal_id: string;
  currency: string;
  model: string;
  partners: { partner_id: string; payout: number; percentage: number; rounding_units: number; share: { numerator: string; denominator: string }; touchpoints: { id: string; rule: string }[] }[];
  rounding: { leftover_units: number; tie_break: string };
}

/** A demo deal's explanation with several partners where rounding added a unit to one of them. */
async function findRoundedExplanation(): Promise<ExplanationAnswer> {
  const deals = (await t.api.get('/deals?limit=100')).json().data as { id: string; status: string }[];
  for (const deal of deals.filter((candidate) => candidate.status === 'won')) {
    const explanation = (await t.api.get(`/attribution/${deal.id}/explain`)).json() as ExplanationAnswer;
    if (explanation.partners.length > 1 && explanation.partners.some((partner) => partner.rounding_units > 0)) return explanation;
  }
  throw new Error('No demo deal has a payout that rounding changed');
}

async function expectExplanationShown(page: Page, explanation: ExplanationAnswer, money: Intl.NumberFormat): Promise<void> {
  const shown = page.locator('article.explained-partner');
  expect(await shown.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-partner')))).toEqual(explanation.partners.map((partner) => partner.partner_id));
  for (const partner of explanation.partners) {
    const entry = page.locator(`article[data-partner="${partner.partner_id}"]`);
    const fact = async (label: string) => (await entry.locator(`[data-fact="${label}"]`).textContent())?.trim();
    expect(await fact('Payout')).toBe(money.format(partner.payout));
    expect(await fact('Exact share')).toBe(`${partner.share.numerator}/${partner.share.denominator}`);
    expect(await fact('Added by rounding')).toMatch(partner.rounding_units === 0 ? /^nothing$/ : new RegExp(`^${partner.rounding_units} units? \\(`));
    for (const touchpoint of partner.touchpoints) expect(await entry.locator(`[data-touchpoint="${touchpoint.id}"] [data-rule]`).textContent()).toBe(touchpoint.rule);
  }
  const rounding = await page.locator('[data-rounding]').textContent();
  expect(rounding).toContain(`${explanation.rounding.leftover_units} leftover unit`);
  expect(rounding).toContain(explanation.rounding.tie_break);
}

describe('the dashboard in Chromium', () => {
  it('shows the overview with the figures the API gives, in at most 3 requests', async () => {
    const { page, apiCalls, consoleErrors } = await openDashboard({ hash: '#/?from=2024-01-01&to=2024-12-31' });
    await signIn(page, t.adminKey);
    await page.locator('[data-figure="Revenue"]').waitFor();
    const api = (await t.api.get(`/analytics?${YEAR_2024}&partners_limit=1000`)).json();
    expect(api.overview.total_deals).toBeGreaterThan(20);
    expect(await figure(page, 'Revenue')).toBe(usd.format(api.overview.total_revenue));
    expect(await figure(page, 'Attributed')).toBe(usd.format(api.overview.attributed_revenue));
    expect(await figure(page, 'Unattributed')).toBe(usd.format(api.overview.unattributed_revenue));
    expect(await figure(page, 'Deals')).toBe(String(api.overview.total_deals));
    expect(await figure(page, 'Average deal size')).toBe(usd.format(api.overview.avg_deal_size));
    expect(await figure(page, 'Active partners')).toBe(String(api.overview.active_partners));

    const leaderboard = page.locator('section', { has: page.getByRole('heading', { name: 'Partner leaderboard' }) });
    expect(await leaderboard.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(api.partners.slice(0, 10).map((row: { name: string }) => row.name));
    expect(await leaderboard.locator('tbody tr td:nth-child(4)').allTextContents()).toEqual(
      api.partners.slice(0, 10).map((row: { attributed_revenue: number }) => usd.format(row.attributed_revenue)),
    );
    const recent = page.locator('section', { has: page.getByRole('heading', { name: 'Recent deals' }) });
    expect(await recent.locator('tbody tr td:first-child').allTextContents()).toEqual(api.recent_deals.map((deal: { id: string }) => deal.id));
    // Dates in the browser's zone, and the zone named.
    expect(await recent.locator('thead').textContent()).toContain(`Closed (${ZONE})`);
    const firstClosed = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(new Date(api.recent_deals[0].closed_date));
    expect(await recent.locator('tbody tr:first-child td:nth-child(2)').textContent()).toBe(firstClosed);

    // Three charts, each with a text alternative.
    const charts = page.locator('canvas[role="img"]');
    expect(await charts.count()).toBe(3);
    for (const label of await charts.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('aria-label')))) expect(label).toBeTruthy();

    // Sign-in checks the key once; the whole overview is one request.
    expect(apiCalls).toEqual(['GET /api-keys/current', `GET /analytics?${YEAR_2024.replaceAll(':', '%3A')}&partners_limit=1000`]);
    expect(consoleErrors).toEqual([]);
    await screenshot(page, 'overview-1280');
  });

  it('sorts and pages the leaderboard, and navigates leaderboard → partner → deal → comparison', async () => {
    const { page, apiCalls, consoleErrors } = await openDashboard({ hash: '#/?from=2024-01-01&to=2024-12-31' });
    await signIn(page, t.adminKey);
    const leaderboard = page.locator('section', { has: page.getByRole('heading', { name: 'Partner leaderboard' }) });
    await leaderboard.locator('tbody tr').first().waitFor();
    await leaderboard.getByRole('button', { name: /Partner/ }).click();
    const byName = DEMO_PARTNERS.map((partner) => partner.name).sort((a, b) => b.toLowerCase().localeCompare(a.toLowerCase()));
    expect(await leaderboard.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(byName);
    await leaderboard.getByRole('button', { name: /Partner/ }).press('Enter');
    expect((await leaderboard.locator('tbody tr td:nth-child(2)').allTextContents())[0]).toBe([...byName].reverse()[0]);

    const top = (await t.api.get(`/analytics?${YEAR_2024}`)).json().partners[0];
    await page.getByRole('button', { name: /Attributed revenue/ }).click();
    await page.getByRole('button', { name: /Attributed revenue/ }).click();
    await leaderboard.getByRole('link', { name: top.name }).click();
    await page.getByRole('heading', { level: 1, name: top.name }).waitFor();
    const partner = (await t.api.get(`/analytics/partner/${top.partner_id}?${YEAR_2024}&deals_limit=1000`)).json();
    expect(await figure(page, 'Payouts')).toBe(usd.format(partner.totals.attributed_revenue));
    expect(await figure(page, 'Deals')).toBe(String(partner.totals.deals));
    const deals = page.locator('section', { has: page.getByRole('heading', { name: 'Deals' }) });
    expect(await deals.locator('tbody tr').count()).toBe(Math.min(10, partner.deals.length));
    await screenshot(page, 'partner-1280');
    // Monthly payouts: the API's months, with the months between them it earned nothing in as zeros.
    const monthly = page.locator('section', { has: page.getByRole('heading', { name: 'Payouts by month' }) });
    await monthly.getByText('Show as a table').click();
    const shownPayouts = await monthly.locator('tbody tr td:nth-child(3)').allTextContents();
    const months = partner.monthly.map((row: { month: string }) => row.month);
    const span = (Number(months.at(-1).slice(0, 4)) - Number(months[0].slice(0, 4))) * 12 + Number(months.at(-1).slice(5)) - Number(months[0].slice(5)) + 1;
    expect(shownPayouts).toHaveLength(span);
    expect(shownPayouts.filter((text) => text !== usd.format(0))).toEqual(
      partner.monthly.filter((row: { attributed_revenue: number }) => row.attributed_revenue > 0).map((row: { attributed_revenue: number }) => usd.format(row.attributed_revenue)),
    );
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download payouts CSV' }).click()]);
    expect(file.suggestedFilename()).toBe(`payouts-${top.partner_id}.csv`);
    const csv = readFileSync(await file.path(), 'utf8');
    expect(csv).toBe((await t.api.get(`/exports/payouts.csv?${YEAR_2024}&partner_id=${top.partner_id}`)).body);
    expect(csv.trim().split('\n')).toHaveLength(partner.deals.length + 1);

    const deal = partner.deals[0];
    expect(await deals.locator('tbody tr:first-child td:nth-child(6)').textContent()).toBe(usd.format(deal.payout));
    await deals.getByRole('link', { name: deal.deal_id }).click();
    await page.getByRole('heading', { level: 1, name: `Deal ${deal.deal_id}` }).waitFor();
    await page.locator('table.comparison').waitFor();
    const comparison = (await t.api.get(`/attribution/${deal.deal_id}/compare`)).json();
    for (const [model, lines] of Object.entries(comparison.models) as [string, { partner_id: string; payout: number }[]][]) {
      for (const line of lines) {
        const cell = page.locator(`td[data-model="${model}"][data-partner="${line.partner_id}"]`);
        expect(await cell.textContent(), `${model} ${line.partner_id}`).toContain(usd.format(line.payout));
      }
    }
    const dealRecord = (await t.api.get(`/deals/${deal.deal_id}`)).json();
    expect(await page.locator('ol.events li').count()).toBe(dealRecord.events.length + 1);
    expect(await page.locator('canvas[role="img"]').count()).toBe(1);
    expect(apiCalls.filter((call) => call.startsWith(`GET /deals/${deal.deal_id}`) || call.startsWith(`GET /attribution/${deal.deal_id}`))).toHaveLength(2);
    expect(consoleErrors).toEqual([]);
    await screenshot(page, 'deal-1280');

    // Back to the overview: served from what the page already has, no new request.
    const before = apiCalls.length;
    await page.getByRole('link', { name: 'Overview' }).first().click();
    await page.locator('[data-figure="Revenue"]').waitFor();
    expect(apiCalls.slice(before)).toEqual([]);
  });

  it("gives a partner-bound key that partner's own portal and nothing else", async () => {
    const own = DEMO_PARTNERS[0];
    const key = await t.createKey(['read'], own.id);
    const { page, apiCalls, consoleErrors } = await openDashboard({ hash: '#/?from=2024-01-01&to=2024-12-31' });
    await signIn(page, key);
    await page.getByRole('heading', { level: 1, name: `${own.name}: your payouts` }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['My payouts']);
    const partner = (await t.as(key).get(`/analytics/partner/${own.id}?${YEAR_2024}&deals_limit=1000`)).json();
    expect(await figure(page, 'Payouts')).toBe(usd.format(partner.totals.attributed_revenue));
    await screenshot(page, 'portal-1280');

    // Other screens are not there for it: the overview, settings and another partner all land on its own view.
    for (const hash of ['#/', '#/settings', '#/keys', `#/partners/${DEMO_PARTNERS[1].id}`]) {
      await page.evaluate((next) => (window.location.hash = next), hash);
      await page.getByRole('heading', { level: 1, name: `${own.name}: your payouts` }).waitFor();
    }
    const deal = partner.deals[0];
    await page.getByRole('link', { name: deal.deal_id }).first().click();
    await page.getByRole('heading', { name: 'Your line on this deal' }).waitFor();
    expect(await figure(page, 'Your payout')).toBe(usd.format(deal.payout));
    await screenshot(page, 'portal-deal-1280');
    expect(apiCalls.every((call) => /^GET \/(api-keys\/current|analytics\/partner\/northwind|attribution\/deal-\d+|payout-periods)(\?|$)/.test(call)), apiCalls.join('\n')).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  it('explains each payout when the panel is opened, with the API\'s figures, in one request per model', async () => {
    const explanation = await findRoundedExplanation();
    const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: explanation.currency });
    const { page, apiCalls, consoleErrors } = await openDashboard({ hash: `#/deals/${explanation.deal_id}` });
    await signIn(page, t.adminKey);
    await page.locator('table.comparison').waitFor();
    const explainCalls = () => apiCalls.filter((call) => call.includes('/explain'));
    expect(explainCalls()).toEqual([]);

    // Opened from the keyboard.
    const summary = page.locator('summary', { hasText: 'Why each partner got this' });
    await summary.focus();
    await page.keyboard.press('Enter');
    await page.locator('article.explained-partner').first().waitFor();
    await expectExplanationShown(page, explanation, money);
    await screenshot(page, 'deal-explanation-1280');

    // Closed and opened again, and another model picked and then the deal's own again: one request per model.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    // A data-driven model, so the fit it used is shown too.
    const other = explanation.model === 'markov' ? 'shapley' : 'markov';
    await page.getByLabel('Model explained').selectOption(other);
    await page.locator('.explanation strong', { hasText: other }).waitFor();
    const otherExplanation = (await t.api.get(`/attribution/${explanation.deal_id}/explain?model=${other}`)).json();
    await expectExplanationShown(page, otherExplanation, money);
    expect(await page.locator('[data-fact="Fit"]').textContent()).toContain(`version ${otherExplanation.fit.version}, from ${otherExplanation.fit.won_deals} won`);
    await screenshot(page, 'deal-explanation-markov-1280');
    await page.getByLabel('Model explained').selectOption(explanation.model);
    await page.locator('.explanation strong', { hasText: explanation.model }).waitFor();
    expect(explainCalls()).toEqual([`GET /attribution/${explanation.deal_id}/explain`, `GET /attribution/${explanation.deal_id}/explain?model=${other}`]);
    expect(consoleErrors).toEqual([]);
  });

  it('shows a partner-bound key its own explanation entry only, at 390 px, and a failed answer with a retry', async () => {
    const explanation = await findRoundedExplanation();
    const own = explanation.partners.find((partner) => partner.rounding_units > 0)!;
    const key = await t.createKey(['read'], own.partner_id);
    const { page, apiCalls, consoleErrors } = await openDashboard({ width: 390, hash: `#/deals/${explanation.deal_id}` });
    await signIn(page, key);
    await page.getByRole('heading', { name: 'Your line on this deal' }).waitFor();
    // The first answer fails: the panel says so and offers to retry.
    await page.route('**/explain', (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: '{"status":503,"detail":"Down for a moment"}' }), { times: 1 });
    await page.locator('summary', { hasText: 'Why you got this' }).click();
    await page.getByRole('alert').filter({ hasText: 'Down for a moment' }).waitFor();
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('article.explained-partner').first().waitFor();
    const portal = (await t.as(key).get(`/attribution/${explanation.deal_id}/explain`)).json() as ExplanationAnswer;
    expect(portal.partners.map((partner) => partner.partner_id)).toEqual([own.partner_id]);
    await expectExplanationShown(page, portal, new Intl.NumberFormat('en-US', { style: 'currency', currency: portal.currency }));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(apiCalls.filter((call) => call.includes('/explain'))).toEqual(Array(2).fill(`GET /attribution/${explanation.deal_id}/explain`));
    // Chromium logs the failed load; nothing else may be there.
    expect(consoleErrors.filter((message) => !message.includes('503'))).toEqual([]);
    await screenshot(page, 'portal-explanation-390');
  });

  it('refuses a bad key with a clear message, and sends a revoked key back to sign-in', async () => {
    const { page } = await openDashboard();
    await signIn(page, 'sk_not-a-real-key');
    await page.getByRole('alert').filter({ hasText: 'unknown or has been revoked' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await screenshot(page, 'sign-in-error');

    const created = (await t.api.post('/api-keys', { name: 'Soon revoked', scopes: ['read'] })).json();
    await signIn(page, created.key);
    await page.locator('[data-figure="Revenue"]').waitFor();
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toContain('partner-attribution.api-key');
    expect((await t.api.delete(`/api-keys/${created.id}`)).statusCode).toBe(204);
    // The next request the dashboard makes (a new period) meets the 401.
    await page.getByRole('button', { name: 'This year' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    expect(await page.locator('#api-key').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('signs out, forgetting the key', async () => {
    const { page } = await openDashboard();
    await signIn(page, t.adminKey);
    await page.locator('[data-figure="Revenue"]').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#api-key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await page.locator('#api-key').waitFor();
  });

  it('fits a 390 px screen', async () => {
    const { page } = await openDashboard({ width: 390, hash: '#/?from=2024-01-01&to=2024-12-31' });
    await signIn(page, t.adminKey);
    await page.locator('[data-figure="Revenue"]').waitFor();
    await page.locator('canvas').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = await page.locator('[data-figure="Revenue"]').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await screenshot(page, 'overview-390');
    await page.locator('tbody a').first().click();
    await page.getByRole('heading', { name: 'Payouts by month' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'partner-390');
  });

  it('is keyboard navigable with a visible focus', async () => {
    const { page } = await openDashboard();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
    await page.keyboard.type(t.adminKey);
    await page.keyboard.press('Enter');
    await page.locator('[data-figure="Revenue"]').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(outline).toBe('solid 3px');
  });

  it('shows the API validation message next to a settings field, and creates a key shown once', async () => {
    const { page } = await openDashboard({ hash: '#/settings' });
    await signIn(page, t.adminKey);
    await page.locator('#half_life_days').waitFor();
    await page.fill('#half_life_days', '0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const expected = (await t.api.patch('/settings', { half_life_days: 0 })).json().errors[0].message;
    await page.locator('#error-half_life_days').waitFor();
    expect(await page.locator('#error-half_life_days').textContent()).toBe(expected);
    expect(await page.locator('#half_life_days').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'settings-error');
    await page.fill('#half_life_days', '10');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    expect((await t.api.get('/settings')).json().half_life_days).toBe(10);

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.fill('#key-name', 'Browser-made key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('[data-secret]').textContent())!;
    expect(secret).toMatch(/^sk_/);
    expect((await t.as(secret).get('/api-keys/current')).json().name).toBe('Browser-made key');
    await page.locator('td', { hasText: 'Browser-made key' }).waitFor();
    await screenshot(page, 'api-keys');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke Browser-made key' }).click();
    // This key's own row: keys revoked by earlier tests are listed too, already "revoked".
    await page.locator('tr', { hasText: 'Browser-made key' }).locator('td', { hasText: /^revoked / }).waitFor();
    expect((await t.as(secret).get('/api-keys/current')).statusCode).toBe(401);
  });
});

describe('the dashboard on a fresh install and under a tight rate limit', () => {
  it('shows how to add the first data when there is none', async () => {
    const fresh = await startTestApp({}, { dashboardDir: await builtDashboard() });
    // The page's context is closed before the app, so no request of the page is still open when the app closes.
    let session: DashboardSession | undefined;
    try {
      const origin = await fresh.app.listen({ port: 0, host: '127.0.0.1' });
      session = await openDashboard({ origin });
      const { page } = session;
      await signIn(page, fresh.adminKey);
      await page.getByRole('heading', { name: 'No data yet' }).waitFor();
      expect(await page.locator('pre').textContent()).toContain(`curl -s "\${H[@]}" -X POST ${origin}/partners`);
      await screenshot(page, 'empty-state');
    } finally {
      await session?.page.context().close();
      await fresh.close();
    }
  });

  it('says when to retry after a 429, and its own files never count', async () => {
    const tight = await startTestApp({ RATE_LIMIT_MAX: '2' }, { dashboardDir: await builtDashboard() });
    // The page's context is closed before the app, so no request of the page is still open when the app closes.
    let session: DashboardSession | undefined;
    try {
      const origin = await tight.app.listen({ port: 0, host: '127.0.0.1' });
      await tight.api.post('/partners', { id: 'p1', name: 'Alice', email: 'alice@example.com' });
      session = await openDashboard({ origin });
      const { page } = session;
      // The key's 2nd request checks it; the overview's /analytics is its 3rd, over the limit of 2.
      await signIn(page, tight.adminKey);
      // Well inside the test's 60 s: if it fails, the error says the alert never came, not that something hung.
      await page.getByRole('alert').filter({ hasText: /Retry in \d+/ }).first().waitFor({ timeout: 20_000 });
      await screenshot(page, 'rate-limited');
    } finally {
      await session?.page.context().close();
      await tight.close();
    }
  });
});

