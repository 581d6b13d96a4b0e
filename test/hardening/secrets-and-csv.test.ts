import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** Issue 11, points 5 (secrets and logs) and 6 (CSV cells a spreadsheet would run). */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('secrets in logs', () => {
  it('a key sent in the query string never reaches the log', async () => {
    const other = await t.createKey(['read']);
    for (const url of [
      `/partners?api_key=${other}`,
      `/partners?limit=5&apiKey=${encodeURIComponent(other)}&token=plain-secret-123`,
      `/deals/${other}`,
      `/nothing?access_token=plain-secret-456`,
    ]) {
      await t.as(undefined).get(url);
    }
    const logs = t.logs();
    expect(logs).not.toContain(other);
    expect(logs).not.toContain(other.slice(3, 20));
    expect(logs).not.toContain('plain-secret');
    expect(logs).toContain('/partners?limit=5&apiKey=[redacted]&token=[redacted]');
    expect(logs).toContain('/deals/sk_[redacted]');
  });
});

describe('X-Request-Id', () => {
  const idFor = async (header: string) =>
    (await t.api.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': header } })).headers['x-request-id'];

  it('is used when it is at most 64 plain characters', async () => {
    expect(await idFor('trace-42.a_B')).toBe('trace-42.a_B');
    expect(await idFor('x'.repeat(64))).toBe('x'.repeat(64));
  });

  it.each([
    ['too long', 'x'.repeat(65)],
    ['spaces', 'a b'],
    ['a log-forging newline', 'a\u2028b'],
    ['quotes and markup', '"><script>'],
    ['slashes', '../../etc'],
  ])('is replaced by our own when it has %s', async (_label, header) => {
    const id = await idFor(header);
    expect(id).not.toBe(header);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('masked payout details', () => {
  it('show a fixed run of * and at most the last 4 characters, never more than half, never the length', async () => {
    const details = { long: '1234567890', eight: 'ABCDEFGH', five: '12345', four: 'WXYZ', three: 'abc', one: '7' };
    const res = await t.api.post('/partners', { name: 'Masked', email: 'masked@example.com', payout_details: details });
    expect(res.json().payout_details).toEqual({
      long: '******7890',
      eight: '******EFGH',
      five: '******45',
      four: '******YZ',
      three: '******c',
      one: '******',
    });
    const listed = (await t.api.get('/partners?search=masked')).json().data[0].payout_details;
    expect(listed.five).toBe('******45');
    expect((await t.api.get(`/partners/${res.json().id}/payout-details`)).json().payout_details).toEqual(details);
  });
});

describe('CSV cells', () => {
  it('a name or id that begins like a formula is neutralised in the payouts CSV; numbers stay numbers', async () => {
    const names = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', 'Plain'];
    for (const [index, name] of names.entries()) {
      await t.api.post('/partners', { id: `csv-${index}`, name, email: `csv${index}@example.com` });
    }
    await t.api.post('/deals', { id: '-cmd', amount: 500, closed_date: '2031-01-10T00:00:00Z' });
    await t.api.post('/events/batch', {
      events: names.map((_, index) => ({ partner_id: `csv-${index}`, deal_id: '-cmd', touchpoint_type: 'demo', timestamp: '2031-01-01T00:00:00Z' })),
    });
    const res = await t.api.get('/exports/payouts.csv?start_date=2031-01-01&end_date=2031-01-31');
    expect(res.statusCode).toBe(200);
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row.partner_name).sort()).toEqual(["'+1+1", "'-2+3", '\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)", 'Plain']);
    expect(new Set(rows.map((row) => row.deal_id))).toEqual(new Set(["'-cmd"]));
    expect(rows.every((row) => row.payout === '100.00' && row.deal_amount === '500.00')).toBe(true);
  });
});
