/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../scripts/demo-data.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { figure, launchChromium, openDashboard, screenshot, signIn, ZONE } from '../helpers/browser.js';
import { builtDashboard } from '../helpers/dashboard-build.js';

/**
 * The dashboard's payout periods and statements in Debian's Chromium, against the real service
 * on a real port with the demo year (2024) loaded through the API. Every expected figure is the
 * API's own answer, formatted as an en-US browser in Tokyo formats it.
 */
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const utcDays = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
// Node's ICU and Chromium's differ in which space they put around the dash: compare with plain spaces.
const plain = (text: string) => text.replace(/\s/g, ' ');
const daysOf = (period: { start_date: string; end_date: string }) =>
  plain(utcDays.formatRange(new Date(`${period.start_date}T00:00:00Z`), new Date(`${period.end_date}T00:00:00Z`)));
const tokyoTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE });

interface Period {
  id: string;
  start_date: string;
  end_date: string;
  status: string;
  locked_at: string | null;
  paid_at: string | null;
  payment_reference: string | null;
}
interface SummaryRow {
  partner_id: string;
  partner_name: string;
  currency: string;
  deals_total: number;
  adjustments_total: number;
  total: number;
}
interface Statement {
  partner: { id: string; name: string };
  lines: { deal_id: string; payout: number; currency: string }[];
  adjustments: { deal_id: string; amount: number; currency: string; reason: string; created_at: string; original_period_id: string }[];
  totals: { currency: string; total: number }[];
}

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

async function createPeriod(start_date: string, end_date: string): Promise<Period> {
  const res = await t.api.post('/payout-periods', { start_date, end_date });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function lockPeriod(id: string): Promise<void> {
  const res = await t.api.post(`/payout-periods/${id}/lock`);
  expect(res.statusCode, res.body).toBe(200);
}

const periodOf = async (id: string): Promise<Period> => ((await t.api.get('/payout-periods?limit=1000')).json().data as Period[]).find((period) => period.id === id)!;

/** The UTC month around now, as a period's bounds: it has not ended, so the API refuses its lock. */
function currentMonth(): { start_date: string; end_date: string } {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0));
  return { start_date: first.toISOString().slice(0, 10), end_date: last.toISOString().slice(0, 10) };
}

const statementCsv = async (key: string, periodId: string, partnerId: string) =>
  (await t.as(key).inject({ method: 'GET', url: `/payout-periods/${periodId}/statements/${partnerId}`, headers: { accept: 'text/csv' } })).body;

const table = (page: Page, heading: string) => page.locator('section', { has: page.getByRole('heading', { name: heading, exact: true }) });

async function expectSummaryShown(page: Page, rows: SummaryRow[]): Promise<void> {
  const summary = table(page, 'Statements');
  await summary.locator('tbody tr').first().waitFor();
  const byName = [...rows].sort((a, b) => a.partner_name.toLowerCase().localeCompare(b.partner_name.toLowerCase()));
  expect(await summary.locator('tbody tr td:nth-child(1)').allTextContents()).toEqual(byName.map((row) => row.partner_name));
  expect(await summary.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(byName.map((row) => usd.format(row.deals_total)));
  expect(await summary.locator('tbody tr td:nth-child(4)').allTextContents()).toEqual(byName.map((row) => usd.format(row.adjustments_total)));
  expect(await summary.locator('tbody tr td:nth-child(5)').allTextContents()).toEqual(byName.map((row) => usd.format(row.total)));
}

describe('payout periods and statements in the dashboard', () => {
  it('lets an admin open a past period, lock it, mark it paid with a reference, and read statements equal to the API', async () => {
    const { page, apiCalls, consoleErrors } = await openDashboard(browser, base, { hash: '#/payout-periods' });
    await signIn(page, t.adminKey);
    await page.getByRole('heading', { level: 1, name: 'Payout periods' }).waitFor();
    await page.getByText('No payout periods yet').waitFor();

    await page.fill('#period-start', '2024-03-01');
    await page.fill('#period-end', '2024-03-31');
    await page.getByRole('button', { name: 'Open period' }).click();
    await page.getByRole('status').filter({ hasText: 'Opened' }).waitFor();
    const [created] = (await t.api.get('/payout-periods')).json().data as Period[];
    expect(created).toMatchObject({ start_date: '2024-03-01', end_date: '2024-03-31', status: 'open' });
    const periods = table(page, 'Periods');
    // The list is read again after the "Opened" message; its new row may come a moment later.
    await periods.getByRole('link', { name: daysOf(created!) }).waitFor();
    expect((await periods.locator('tbody tr td:nth-child(1)').allTextContents()).map(plain)).toEqual([daysOf(created!)]);
    expect(await periods.locator('tbody tr td:nth-child(2)').textContent()).toBe('Open');
    await screenshot(page, 'payout-periods-1280');

    await periods.getByRole('link', { name: daysOf(created!) }).click();
    await page.getByRole('heading', { level: 1, name: `Payout period ${daysOf(created!)}` }).waitFor();
    expect(await figure(page, 'Status')).toBe('Open');
    const live = (await t.api.get(`/payout-periods/${created!.id}/statements`)).json();
    expect(live.data.length).toBeGreaterThan(1);
    await expectSummaryShown(page, live.data);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Lock period' }).click();
    await page.locator('[data-figure="Status"]', { hasText: 'Locked' }).waitFor();
    const locked = await periodOf(created!.id);
    expect(locked.status).toBe('locked');
    expect(await figure(page, `Locked (${ZONE})`)).toBe(tokyoTime.format(new Date(locked.locked_at!)));
    await screenshot(page, 'payout-period-locked-1280');

    await page.fill('#payment-reference', 'SEPA-2024-04-03');
    await page.getByRole('button', { name: 'Mark paid' }).click();
    await page.locator('[data-figure="Status"]', { hasText: 'Paid' }).waitFor();
    const paid = await periodOf(created!.id);
    expect(paid).toMatchObject({ status: 'paid', payment_reference: 'SEPA-2024-04-03' });
    expect(await figure(page, 'Payment reference')).toBe('SEPA-2024-04-03');
    expect(await figure(page, `Paid (${ZONE})`)).toBe(tokyoTime.format(new Date(paid.paid_at!)));
    // No action is left on a paid period.
    expect(await page.getByRole('button', { name: /Lock period|Mark paid/ }).count()).toBe(0);
    const stored = (await t.api.get(`/payout-periods/${created!.id}/statements`)).json();
    await expectSummaryShown(page, stored.data);
    await screenshot(page, 'payout-period-paid-1280');

    // The statement of the partner with the largest total, from the summary's link.
    const top = [...stored.data].sort((a: SummaryRow, b: SummaryRow) => b.total - a.total)[0] as SummaryRow;
    await table(page, 'Statements').getByRole('link', { name: top.partner_name }).click();
    await page.getByRole('heading', { level: 1, name: `Statement of ${top.partner_name}, ${daysOf(created!)}` }).waitFor();
    const statement = (await t.api.get(`/payout-periods/${created!.id}/statements/${top.partner_id}`)).json() as Statement;
    expect(statement.lines.length).toBeGreaterThan(0);
    expect(await figure(page, 'Total (USD)')).toBe(usd.format(statement.totals[0]!.total));
    expect(statement.totals[0]!.total).toBe(top.total);
    const lines = table(page, 'Deals');
    await lines.locator('tbody tr').first().waitFor();
    expect(await lines.locator('tbody tr td:nth-child(1)').allTextContents()).toEqual(statement.lines.map((line) => line.deal_id));
    expect(await lines.locator('tbody tr td:nth-child(6)').allTextContents()).toEqual(statement.lines.map((line) => usd.format(line.payout)));
    await table(page, 'Adjustments').getByText('No adjustments in this period.').waitFor();
    await screenshot(page, 'statement-1280');

    // The CSV is fetched with the key in a header (never in the URL) and saved from a Blob.
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download statement CSV' }).click()]);
    expect(file.suggestedFilename()).toBe(`statement-2024-03-01-2024-03-31-${top.partner_id}.csv`);
    const csv = readFileSync((await file.path())!, 'utf8');
    expect(csv).toBe(await statementCsv(t.adminKey, created!.id, top.partner_id));
    const rows = csv.trim().split('\n');
    expect(rows[0]).toMatch(/^kind,deal_id,/);
    for (const line of statement.lines) expect(rows.some((row) => row.startsWith(`line,${line.deal_id},`))).toBe(true);
    expect(apiCalls.filter((call) => call.includes('/statements/'))).toEqual(Array(2).fill(`GET /payout-periods/${created!.id}/statements/${top.partner_id}`));
    expect(apiCalls.some((call) => call.includes(t.adminKey))).toBe(false);

    // The same statement from the partner's own view.
    await page.getByRole('link', { name: top.partner_name }).click();
    await page.getByRole('heading', { level: 1, name: top.partner_name }).waitFor();
    await table(page, 'Statements').locator(`[data-statement="${created!.id}"]`).click();
    await page.getByRole('heading', { level: 1, name: `Statement of ${top.partner_name}, ${daysOf(created!)}` }).waitFor();
    expect(await figure(page, 'Total (USD)')).toBe(usd.format(statement.totals[0]!.total));
    expect(consoleErrors).toEqual([]);
  });

  it("shows the API's messages for an overlapping or backwards period, by the field", async () => {
    const june = await createPeriod('2024-06-01', '2024-06-30');
    const { page } = await openDashboard(browser, base, { hash: '#/payout-periods' });
    await signIn(page, t.adminKey);
    await page.fill('#period-start', '2024-06-15');
    await page.fill('#period-end', '2024-07-15');
    await page.getByRole('button', { name: 'Open period' }).click();
    const overlap = await t.api.post('/payout-periods', { start_date: '2024-06-15', end_date: '2024-07-15' });
    expect(overlap.statusCode).toBe(409);
    await page.getByRole('alert').filter({ hasText: overlap.json().detail }).waitFor();
    expect(overlap.json().detail).toContain(june.id);
    expect(await page.locator('#error-period-start_date').textContent()).toBe(overlap.json().errors[0].message);
    expect(await page.locator('#period-start').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'payout-period-overlap');

    await page.fill('#period-start', '2024-08-10');
    await page.fill('#period-end', '2024-08-01');
    await page.getByRole('button', { name: 'Open period' }).click();
    const backwards = await t.api.post('/payout-periods', { start_date: '2024-08-10', end_date: '2024-08-01' });
    expect(backwards.statusCode).toBe(400);
    await page.locator('#error-period-end_date').waitFor();
    expect(await page.locator('#error-period-end_date').textContent()).toBe(backwards.json().errors[0].message);
    expect(((await t.api.get('/payout-periods')).json().data as Period[]).some((period) => period.start_date === '2024-08-10')).toBe(false);
  });

  it('records a refund of a paid deal as an adjustment on the next statement, naming the period it corrects', async () => {
    const july = await createPeriod('2024-07-01', '2024-07-31');
    await lockPeriod(july.id);
    const julyRows = (await t.api.get(`/payout-periods/${july.id}/statements`)).json().data as SummaryRow[];
    const partner = julyRows[0]!;
    const julyStatement = (await t.api.get(`/payout-periods/${july.id}/statements/${partner.partner_id}`)).json() as Statement;
    const refunded = julyStatement.lines[0]!;
    expect((await t.api.patch(`/deals/${refunded.deal_id}`, { status: 'lost' })).statusCode).toBe(200);
    // Recorded now, in a month no period covers yet; the period opened over today takes it.
    const now = await createPeriod(currentMonth().start_date, currentMonth().end_date);
    const statement = (await t.api.get(`/payout-periods/${now.id}/statements/${partner.partner_id}`)).json() as Statement;
    const adjustment = statement.adjustments.find((candidate) => candidate.deal_id === refunded.deal_id)!;
    expect(adjustment).toMatchObject({ reason: 'deal refunded', original_period_id: july.id, amount: -refunded.payout });

    const { page, consoleErrors } = await openDashboard(browser, base, { hash: `#/payout-periods/${now.id}` });
    await signIn(page, t.adminKey);
    await expectSummaryShown(page, (await t.api.get(`/payout-periods/${now.id}/statements`)).json().data);
    await table(page, 'Statements').getByRole('link', { name: partner.partner_name }).click();
    const adjustments = table(page, 'Adjustments');
    const row = adjustments.locator('tbody tr', { hasText: refunded.deal_id });
    await row.waitFor();
    expect((await row.locator('td').allTextContents()).map(plain)).toEqual([
      refunded.deal_id,
      tokyoTime.format(new Date(adjustment.created_at)),
      usd.format(adjustment.amount),
      'deal refunded',
      daysOf(july),
    ]);
    expect(await figure(page, 'Total (USD)')).toBe(usd.format(statement.totals.find((total) => total.currency === 'USD')!.total));
    await screenshot(page, 'statement-adjustment-1280');

    // The corrected period's link leads to the locked July, whose statement did not move.
    await row.getByRole('link', { name: daysOf(july) }).click();
    await page.getByRole('heading', { level: 1, name: `Payout period ${daysOf(july)}` }).waitFor();
    await expectSummaryShown(page, julyRows);
    expect(consoleErrors).toEqual([]);
  });

  it("offers the lock only once the period's end has passed, and shows the API's refusal when the browser's clock runs ahead", async () => {
    const month = currentMonth();
    const existing = ((await t.api.get('/payout-periods?limit=1000')).json().data as Period[]).find((period) => period.start_date === month.start_date);
    const current = existing ?? (await createPeriod(month.start_date, month.end_date));

    const honest = await openDashboard(browser, base, { hash: `#/payout-periods/${current.id}`, width: 390 });
    await signIn(honest.page, t.adminKey);
    await honest.page.locator('[data-lockable-from]').waitFor();
    const lockableFrom = new Date(Date.parse(`${current.end_date}T00:00:00Z`) + 86_400_000);
    expect(await honest.page.locator('[data-lockable-from]').textContent()).toContain(tokyoTime.format(lockableFrom));
    expect(await honest.page.getByRole('button', { name: 'Lock period' }).count()).toBe(0);
    await table(honest.page, 'Statements').locator('tbody tr').first().waitFor();
    expect(await honest.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(honest.page, 'payout-period-open-390');

    // A browser whose clock says the month is over offers the lock; the server knows better.
    const ahead = await openDashboard(browser, base, { hash: `#/payout-periods/${current.id}`, now: new Date(lockableFrom.getTime() + 2 * 86_400_000) });
    await signIn(ahead.page, t.adminKey);
    ahead.page.once('dialog', (dialog) => void dialog.accept());
    await ahead.page.getByRole('button', { name: 'Lock period' }).click();
    const refusal = await t.api.post(`/payout-periods/${current.id}/lock`);
    expect(refusal.statusCode).toBe(409);
    const alert = ahead.page.getByRole('alert').filter({ hasText: refusal.json().detail });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Not locked.');
    expect((await periodOf(current.id)).status).toBe('open');
    expect(await figure(ahead.page, 'Status')).toBe('Open');
    await screenshot(ahead.page, 'payout-period-lock-refused');
  });

  it('shows a read key that is bound to no partner the periods and statements, without their controls', async () => {
    const october = await createPeriod('2024-10-01', '2024-10-31');
    await lockPeriod(october.id);
    const key = await t.createKey(['read']);
    const { page, consoleErrors } = await openDashboard(browser, base, { hash: '#/payout-periods' });
    await signIn(page, key);
    await page.getByText('Read-only: an admin key opens, locks and pays periods.').waitFor();
    await table(page, 'Periods').getByRole('link', { name: daysOf(october) }).click();
    await expectSummaryShown(page, (await t.as(key).get(`/payout-periods/${october.id}/statements`)).json().data);
    expect(await figure(page, 'Status')).toBe('Locked');
    expect(await page.locator('#period-start, #payment-reference').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Open period|Lock period|Mark paid/ }).count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });

  it("gives a partner-bound key its own statements, read-only, and nothing of other partners", async () => {
    const september = await createPeriod('2024-09-01', '2024-09-30');
    await lockPeriod(september.id);
    const rows = (await t.api.get(`/payout-periods/${september.id}/statements`)).json().data as SummaryRow[];
    expect(rows.length).toBeGreaterThan(1);
    const [own, other] = rows as [SummaryRow, SummaryRow];
    const key = await t.createKey(['read'], own.partner_id);
    const { page, apiCalls, consoleErrors } = await openDashboard(browser, base, { hash: '#/?from=2024-01-01&to=2024-12-31' });
    await signIn(page, key);
    await page.getByRole('heading', { level: 1, name: `${own.partner_name}: your payouts` }).waitFor();
    await table(page, 'Statements').locator(`[data-statement="${september.id}"]`).click();
    await page.getByRole('heading', { level: 1, name: `Your statement, ${daysOf(september)}` }).waitFor();
    const statement = (await t.as(key).get(`/payout-periods/${september.id}/statements/${own.partner_id}`)).json() as Statement;
    expect(await figure(page, 'Total (USD)')).toBe(usd.format(statement.totals[0]!.total));
    expect(statement.totals[0]!.total).toBe(own.total);
    expect(await table(page, 'Deals').locator('tbody tr td:nth-child(1)').allTextContents()).toEqual(statement.lines.map((line) => line.deal_id));
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['My payouts']);
    await screenshot(page, 'portal-statement-1280');

    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download statement CSV' }).click()]);
    const csv = readFileSync((await file.path())!, 'utf8');
    expect(csv).toBe(await statementCsv(key, september.id, own.partner_id));
    for (const line of statement.lines) expect(csv).toContain(`line,${line.deal_id},`);

    // Another partner's statement, the period list and a period's summary all land on its own pages.
    await page.evaluate((hash) => (window.location.hash = hash), `#/payout-periods/${september.id}/statements/${other.partner_id}`);
    await page.getByRole('heading', { level: 1, name: `Your statement, ${daysOf(september)}` }).waitFor();
    expect(await figure(page, 'Total (USD)')).toBe(usd.format(own.total));
    for (const hash of ['#/payout-periods', `#/payout-periods/${september.id}`]) {
      await page.evaluate((next) => (window.location.hash = next), hash);
      await page.getByRole('heading', { level: 1, name: `${own.partner_name}: your payouts` }).waitFor();
    }
    expect(await page.getByRole('button', { name: /Open period|Lock period|Mark paid/ }).count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain(other.partner_name);
    expect(apiCalls.some((call) => call.includes(other.partner_id)), apiCalls.join('\n')).toBe(false);
    expect(apiCalls.every((call) => /^GET \/(api-keys\/current|analytics\/partner\/[^/?]+|payout-periods(\/[^/]+\/statements\/[^/?]+)?)(\?|$)/.test(call)), apiCalls.join('\n')).toBe(true);
    expect(apiCalls.filter((call) => call.includes('/statements/')).every((call) => call.endsWith(`/statements/${own.partner_id}`))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
