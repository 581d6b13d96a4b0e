import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createDeal, createPartners, touch } from '../attribution/fixtures.js';
import { createPeriod, partnerStatement, type PeriodBody } from './ledger.js';

/**
 * The statement's CSV is written from the service's minor units, its JSON from the same figures
 * in major units: the two must say the same thing, in each currency's own decimals.
 */
let t: TestApp;
let january: PeriodBody;
const DIGITS: Record<string, number> = { USD: 2, JPY: 0, BHD: 3 };
const fixed = (amount: number, currency: string) => amount.toFixed(DIGITS[currency]);

beforeAll(async () => {
  t = await startTestApp();
  await createPartners(t.api, ['p1', 'p2', 'p3']);
  const deals: [id: string, amount: number, currency: string, partners: string[]][] = [
    ['yen', 100, 'JPY', ['p1', 'p2', 'p3']],
    ['dollars', 10.01, 'USD', ['p1', 'p2']],
    ['dinars', 1.001, 'BHD', ['p1', 'p3']],
  ];
  for (const [id, amount, currency, partners] of deals) {
    await touch(t.api, id, partners.map((partner, index) => [partner, 'demo', `2024-01-1${index}T10:00:00Z`] as [string, string, string]));
    await createDeal(t.api, { id, amount, currency, attribution_model: 'equal', closed_date: '2024-01-20T10:00:00Z' });
  }
  january = await createPeriod(t.api, '2024-01-01', '2024-01-31');
});
afterAll(async () => t.close());

describe('a partner statement as CSV', () => {
  it('writes every line and total as the JSON gives it, with the currency decimals', async () => {
    const json = await partnerStatement(t.api, january.id, 'p1');
    const res = await t.api.inject({ method: 'GET', url: `/payout-periods/${january.id}/statements/p1`, headers: { accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    const rows = res.body.trim().split('\n').slice(1);

    expect(json.lines).toHaveLength(3);
    const expected = [
      ...json.lines.map(
        (line) =>
          `line,${line.deal_id},${line.closed_date},${line.currency},${fixed(line.amount, line.currency)},${line.model},${line.percentage.toFixed(2)},${fixed(line.payout, line.currency)},,`,
      ),
      ...json.totals.map((total) => `total,,,${total.currency},,,,${fixed(total.total, total.currency)},,`),
    ];
    expect(rows).toEqual(expected);
    // The figures themselves: the first toucher takes the remainder of each split.
    expect(rows).toContain('line,yen,2024-01-20T10:00:00.000Z,JPY,100,equal,33.34,34,,');
    expect(rows).toContain('line,dollars,2024-01-20T10:00:00.000Z,USD,10.01,equal,50.00,5.01,,');
    expect(rows).toContain('line,dinars,2024-01-20T10:00:00.000Z,BHD,1.001,equal,50.00,0.501,,');
    expect(rows.filter((row) => row.startsWith('total,'))).toEqual(['total,,,BHD,,,,0.501,,', 'total,,,JPY,,,,34,,', 'total,,,USD,,,,5.01,,']);
  });
});
