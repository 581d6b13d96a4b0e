import { expect } from 'vitest';
import type { Api } from '../helpers/app.js';

/**
 * A small dataset whose figures are worked out by hand in the tests. Deals sit on month and
 * day boundaries on purpose: d1 closes at the last millisecond of January, d2 at the first of
 * February, d7 at the last of 2023.
 *
 * | deal | amount     | model       | closed                   | touchpoints                      | split                      |
 * |------|------------|-------------|--------------------------|----------------------------------|----------------------------|
 * | d1   | 1000.00 USD| role-based  | 2024-01-31T23:59:59.999Z | a referral 01-10, b closer 01-20 | a 416.67 (41.67), b 583.33 |
 * | d2   | 500.00 USD | equal       | 2024-02-01T00:00:00.000Z | a demo 01-25, c intro 01-28      | a 250 (50), c 250 (50)     |
 * | d3   | 300.00 USD | first-touch | 2024-02-15T12:00:00.000Z | c referral 02-01, a closer 02-10 | c 300 (100), a 0 (0)       |
 * | d4   | 200.00 USD | linear      | 2024-03-10T09:00:00.000Z | none                             | unattributed               |
 * | d5   | 700.00 EUR | equal       | 2024-02-10T10:00:00.000Z | b demo 02-05                     | b 700 (100)                |
 * | d6   | 999.00 USD | lost        | 2024-02-20T10:00:00.000Z | a closer 02-18                   | none: lost                 |
 * | d7   | 50.00 USD  | linear      | 2023-12-31T23:59:59.999Z | b other 2023-12-30               | b 50 (100)                 |
 *
 * Plus one touchpoint on a deal that has no record yet: c support 2024-03-05 on `pending`.
 */
export async function seedDataset(api: Api): Promise<void> {
  for (const [id, name] of [
    ['a', 'Alice'],
    ['b', 'Bob'],
    ['c', 'Carol'],
  ]) {
    expect((await api.post('/partners', { id, name, email: `${id}@example.com` })).statusCode).toBe(201);
  }
  const events: [string, string, string, string][] = [
    ['b', 'd7', 'other', '2023-12-30T10:00:00Z'],
    ['a', 'd1', 'referral', '2024-01-10T10:00:00Z'],
    ['b', 'd1', 'closer', '2024-01-20T10:00:00Z'],
    ['a', 'd2', 'demo', '2024-01-25T10:00:00Z'],
    ['c', 'd2', 'intro', '2024-01-28T10:00:00Z'],
    ['c', 'd3', 'referral', '2024-02-01T10:00:00Z'],
    ['b', 'd5', 'demo', '2024-02-05T10:00:00Z'],
    ['a', 'd3', 'closer', '2024-02-10T10:00:00Z'],
    ['a', 'd6', 'closer', '2024-02-18T10:00:00Z'],
    ['c', 'pending', 'support', '2024-03-05T10:00:00Z'],
  ];
  const batch = events.map(([partner_id, deal_id, touchpoint_type, timestamp]) => ({ partner_id, deal_id, touchpoint_type, timestamp }));
  expect((await api.post('/events/batch', { events: batch })).statusCode).toBe(201);
  const deals = [
    { id: 'd1', amount: 1000, attribution_model: 'role-based', closed_date: '2024-01-31T23:59:59.999Z' },
    { id: 'd2', amount: 500, attribution_model: 'equal', closed_date: '2024-02-01T00:00:00.000Z' },
    { id: 'd3', amount: 300, attribution_model: 'first-touch', closed_date: '2024-02-15T12:00:00.000Z' },
    { id: 'd4', amount: 200, attribution_model: 'linear', closed_date: '2024-03-10T09:00:00.000Z' },
    { id: 'd5', amount: 700, currency: 'EUR', attribution_model: 'equal', closed_date: '2024-02-10T10:00:00.000Z' },
    { id: 'd6', amount: 999, attribution_model: 'linear', status: 'lost', closed_date: '2024-02-20T10:00:00.000Z' },
    { id: 'd7', amount: 50, attribution_model: 'linear', closed_date: '2023-12-31T23:59:59.999Z' },
  ];
  for (const deal of deals) expect((await api.post('/deals', deal)).statusCode).toBe(201);
}
