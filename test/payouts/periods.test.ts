import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createDeal, createPartners, touch } from '../attribution/fixtures.js';
import {
  createPeriod,
  expectLedgerMatchesPayouts,
  lockPeriod,
  partnerStatement,
  statementBytes,
  type AdjustmentBody,
  type PeriodBody,
} from './ledger.js';

/** A month of payouts over HTTP, with a clock the test moves: the walkthrough of docs/payouts.md. */
let t: TestApp;
let clock = Date.parse('2024-01-05T09:00:00Z');
const at = (iso: string) => (clock = Date.parse(iso));
let january: PeriodBody;

beforeAll(async () => {
  t = await startTestApp({}, { now: () => clock });
  await createPartners(t.api, ['p1', 'p2', 'p3']);
  await touch(t.api, 'd1', [
    ['p1', 'referral', '2024-01-10T10:00:00Z'],
    ['p2', 'closer', '2024-01-12T10:00:00Z'],
  ]);
  await createDeal(t.api, { id: 'd1', amount: 1000, closed_date: '2024-01-20T10:00:00Z' });
  await touch(t.api, 'd2', [['p1', 'closer', '2024-01-11T10:00:00Z']]);
  await createDeal(t.api, { id: 'd2', amount: 300, closed_date: '2024-01-25T10:00:00Z' });
  await touch(t.api, 'd3', [['p2', 'demo', '2024-01-11T10:00:00Z']]);
  await createDeal(t.api, { id: 'd3', amount: 200, closed_date: '2024-01-26T10:00:00Z', status: 'lost' });
  await touch(t.api, 'feb', [['p1', 'demo', '2024-02-02T10:00:00Z']]);
  await createDeal(t.api, { id: 'feb', amount: 100, closed_date: '2024-02-03T10:00:00Z' });
});
afterAll(async () => t.close());

describe('payout periods', () => {
  it('are created open, listed newest first, and never overlap', async () => {
    january = await createPeriod(t.api, '2024-01-01', '2024-01-31');
    expect(january).toMatchObject({ start_date: '2024-01-01', end_date: '2024-01-31', status: 'open', locked_at: null, paid_at: null, payment_reference: null });
    for (const [start_date, end_date] of [['2024-01-31', '2024-02-10'], ['2023-12-01', '2024-01-01'], ['2024-01-10', '2024-01-12']]) {
      const res = await t.api.post('/payout-periods', { start_date, end_date });
      expect(res.statusCode, `${start_date}..${end_date}`).toBe(409);
      expect(res.json()).toMatchObject({ code: 'conflict' });
    }
    const list = (await t.api.get('/payout-periods')).json<{ data: PeriodBody[] }>();
    expect(list.data.map((period) => period.id)).toEqual([january.id]);
  });

  it('reject bad input with a 400 naming the field, and store nothing', async () => {
    const cases: [unknown, string][] = [
      [{ start_date: '2024-03-01', end_date: '2024-02-01' }, 'end_date'],
      [{ start_date: '2024-03-01T00:00:00Z', end_date: '2024-03-31' }, 'start_date'],
      [{ start_date: '2024-03-01', end_date: '2024-02-30' }, 'end_date'],
      [{ start_date: '2024-03-01', end_date: '2024-03-31', status: 'locked' }, ''],
      [{ start_date: '2024-03-01' }, 'end_date'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api.post('/payout-periods', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      if (field) expect(JSON.stringify(res.json().errors), JSON.stringify(body)).toContain(field);
    }
    expect((await t.api.get('/payout-periods')).json().pagination.total).toBe(1);
  });

  it('need admin to create, lock and pay; read keys may list', async () => {
    const reader = t.as(await t.createKey(['write']));
    expect((await reader.post('/payout-periods', { start_date: '2024-05-01', end_date: '2024-05-31' })).statusCode).toBe(403);
    expect((await reader.post(`/payout-periods/${january.id}/lock`)).statusCode).toBe(403);
    expect((await reader.get('/payout-periods')).statusCode).toBe(200);
    expect((await t.as(undefined).get('/payout-periods')).statusCode).toBe(401);
  });

  it('show a live statement while open, like analytics', async () => {
    const statement = await partnerStatement(t.api, january.id, 'p1');
    expect(statement.lines.map((line) => [line.deal_id, line.payout])).toEqual([
      ['d1', 416.67],
      ['d2', 300],
    ]);
    expect(statement.totals).toEqual([{ currency: 'USD', total: 716.67 }]);
  });

  it('lock only after the end date has passed (409 before), and not twice', async () => {
    at('2024-01-31T23:59:59Z');
    const early = await t.api.post(`/payout-periods/${january.id}/lock`);
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toContain('2024-02-01T00:00:00.000Z');
    at('2024-02-01T08:00:00Z');
    const locked = await lockPeriod(t.api, january.id);
    expect(locked).toMatchObject({ status: 'locked', locked_at: '2024-02-01T08:00:00.000Z' });
    expect((await t.api.post(`/payout-periods/${january.id}/lock`)).statusCode).toBe(409);
    expect((await t.api.post('/payout-periods/nope/lock')).statusCode).toBe(404);
  });

  it('keep locked lines when a refund arrives; the refund is an adjustment, unassigned until a period holds its date', async () => {
    const before = await statementBytes(t.api, [january.id], ['p1', 'p2', 'p3']);
    at('2024-02-10T12:00:00Z');
    expect((await t.api.patch('/deals/d1', { status: 'lost' })).statusCode).toBe(200);
    const unassigned = (await t.api.get('/payout-adjustments/unassigned')).json<{ data: AdjustmentBody[] }>().data;
    expect(unassigned.map((a) => [a.partner_id, a.deal_id, a.amount, a.reason, a.original_period_id, a.created_at])).toEqual([
      ['p1', 'd1', -416.67, 'deal refunded', january.id, '2024-02-10T12:00:00.000Z'],
      ['p2', 'd1', -583.33, 'deal refunded', january.id, '2024-02-10T12:00:00.000Z'],
    ]);
    expect(await statementBytes(t.api, [january.id], ['p1', 'p2', 'p3'])).toEqual(before);

    const february = await createPeriod(t.api, '2024-02-01', '2024-02-29');
    expect((await t.api.get('/payout-adjustments/unassigned')).json().data).toEqual([]);
    const p1 = await partnerStatement(t.api, february.id, 'p1');
    expect(p1.lines.map((line) => [line.deal_id, line.payout])).toEqual([['feb', 100]]);
    expect(p1.adjustments.map((a) => [a.deal_id, a.amount, a.reason])).toEqual([['d1', -416.67, 'deal refunded']]);
    expect(p1.totals).toEqual([{ currency: 'USD', total: -316.67 }]);
    await expectLedgerMatchesPayouts(t.api, ['p1', 'p2', 'p3'], ['d1', 'd2', 'd3', 'feb']);
  });

  it('record one adjustment per partner that moved, with its reason, for every kind of change', async () => {
    const before = await statementBytes(t.api, [january.id], ['p1', 'p2', 'p3']);
    const changes: [() => Promise<unknown>, string][] = [
      [() => t.api.patch('/deals/d1', { status: 'won' }), 'deal won'],
      [() => t.api.patch('/deals/d2', { amount: 450 }), 'amount changed'],
      [() => touch(t.api, 'd2', [['p3', 'intro', '2024-01-15T10:00:00Z']]), 'touchpoint added'],
      [() => t.api.patch('/deals/d1', { attribution_model: 'equal' }), 'model changed'],
      [() => t.api.patch('/settings', { role_weights: { intro: 40 } }), 'settings changed'],
      [() => t.api.patch('/deals/d2', { currency: 'EUR' }), 'currency changed'],
      [() => t.api.patch('/deals/d3', { status: 'won' }), 'deal won'],
    ];
    for (const [change, reason] of changes) {
      at(new Date(clock + 3_600_000).toISOString());
      await change();
      const adjustments = await adjustmentsSince(clock);
      expect(adjustments.length, reason).toBeGreaterThan(0);
      expect(new Set(adjustments.map((a) => a.reason)), reason).toEqual(new Set([reason]));
      await expectLedgerMatchesPayouts(t.api, ['p1', 'p2', 'p3'], ['d1', 'd2', 'd3', 'feb']);
    }
    const removed = (await t.api.get('/events?deal_id=d2&partner_id=p3')).json<{ data: { id: string }[] }>().data[0]!;
    at(new Date(clock + 3_600_000).toISOString());
    expect((await t.api.delete(`/events/${removed.id}`)).statusCode).toBe(204);
    expect(new Set((await adjustmentsSince(clock)).map((a) => a.reason))).toEqual(new Set(['touchpoint removed']));
    await expectLedgerMatchesPayouts(t.api, ['p1', 'p2', 'p3'], ['d1', 'd2', 'd3', 'feb']);
    expect(await statementBytes(t.api, [january.id], ['p1', 'p2', 'p3'])).toEqual(before);
  });

  it('say what a partner-bound key may read: its own statements only', async () => {
    const mine = t.as(await t.createKey(['read'], 'p1'));
    expect((await mine.get(`/payout-periods/${january.id}/statements/p1`)).statusCode).toBe(200);
    expect((await mine.get(`/payout-periods/${january.id}/statements/p2`)).statusCode).toBe(404);
    const summary = (await mine.get(`/payout-periods/${january.id}/statements`)).json<{ data: { partner_id: string }[] }>();
    expect(new Set(summary.data.map((row) => row.partner_id))).toEqual(new Set(['p1']));
    expect((await mine.post(`/payout-periods/${january.id}/lock`)).statusCode).toBe(403);
    expect((await mine.get('/payout-adjustments/unassigned?partner_id=p2')).statusCode).toBe(404);
  });

  it('sum statements per partner and currency', async () => {
    const summary = (await t.api.get(`/payout-periods/${january.id}/statements`)).json<{ data: Record<string, unknown>[] }>();
    expect(summary.data.map((row) => [row.partner_id, row.currency, row.deals_total])).toEqual([
      ['p1', 'USD', 716.67],
      ['p2', 'USD', 583.33],
    ]);
  });

  it('serve a partner statement as CSV with formula-like cells neutralised', async () => {
    await touch(t.api, '-A1', [['p1', 'closer', '2024-02-05T10:00:00Z']]);
    await createDeal(t.api, { id: '-A1', amount: 10, closed_date: '2024-02-06T10:00:00Z' });
    const february = (await t.api.get('/payout-periods')).json<{ data: PeriodBody[] }>().data[0]!;
    const res = await t.api.inject({ method: 'GET', url: `/payout-periods/${february.id}/statements/p1`, headers: { accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = res.body.trim().split("\n");
    expect(rows[0]).toBe('kind,deal_id,date,currency,deal_amount,model,percentage,amount,reason,original_period_id');
    expect(rows).toContain("line,'-A1,2024-02-06T10:00:00.000Z,USD,10.00,role-based,100.00,10.00,,");
    expect(rows.some((row) => row.startsWith('adjustment,d1,') && row.includes(',-416.67,deal refunded,'))).toBe(true);
    expect(rows.filter((row) => row.startsWith('total,'))).toHaveLength(2);
  });

  it('are marked paid only once locked, with an optional payment reference', async () => {
    const february = (await t.api.get('/payout-periods')).json<{ data: PeriodBody[] }>().data[0]!;
    expect((await t.api.post(`/payout-periods/${february.id}/paid`, {})).statusCode).toBe(409);
    const bad = await t.api.post(`/payout-periods/${january.id}/paid`, { payment_reference: 'x\u0000y' });
    expect(bad.statusCode).toBe(400);
    const paid = await t.api.post(`/payout-periods/${january.id}/paid`, { payment_reference: 'SEPA-2024-02-03' });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json()).toMatchObject({ status: 'paid', payment_reference: 'SEPA-2024-02-03', paid_at: new Date(clock).toISOString() });
    const again = await t.api.post(`/payout-periods/${january.id}/paid`);
    expect(again.statusCode, again.body).toBe(409);
  });

  it('are read one at a time, as listed, by any read key; an unknown id is a 404 problem', async () => {
    const listed = (await t.api.get('/payout-periods')).json<{ data: PeriodBody[] }>().data;
    for (const period of listed) {
      const res = await t.api.get(`/payout-periods/${period.id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual(period);
    }
    expect((await t.api.get(`/payout-periods/${january.id}`)).json()).toMatchObject({ status: 'paid', payment_reference: 'SEPA-2024-02-03' });
    const bound = t.as(await t.createKey(['read'], 'p1'));
    expect((await bound.get(`/payout-periods/${january.id}`)).statusCode).toBe(200);
    expect((await t.as(undefined).get(`/payout-periods/${january.id}`)).statusCode).toBe(401);
    const missing = await t.api.get('/payout-periods/no-such-period');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });
});

/** Every adjustment created at or after `since`, over every statement and the unassigned list. */
async function adjustmentsSince(since: number): Promise<AdjustmentBody[]> {
  const periods = (await t.api.get('/payout-periods')).json<{ data: PeriodBody[] }>().data;
  const all: AdjustmentBody[] = [];
  for (const period of periods) {
    for (const partner of ['p1', 'p2', 'p3']) all.push(...(await partnerStatement(t.api, period.id, partner)).adjustments);
  }
  all.push(...(await t.api.get('/payout-adjustments/unassigned')).json<{ data: AdjustmentBody[] }>().data);
  return all.filter((a) => Date.parse(a.created_at) >= since);
}
