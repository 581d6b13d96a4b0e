import { expect } from 'vitest';
import type { Api } from '../helpers/app.js';

export interface PeriodBody {
  id: string;
  start_date: string;
  end_date: string;
  status: 'open' | 'locked' | 'paid';
  created_at: string;
  locked_at: string | null;
  paid_at: string | null;
  payment_reference: string | null;
}

export interface AdjustmentBody {
  id: string;
  partner_id: string;
  deal_id: string;
  currency: string;
  amount: number;
  reason: string;
  created_at: string;
  original_period_id: string;
}

export interface PartnerStatementBody {
  period: { id: string; start_date: string; end_date: string; locked_at: string | null };
  partner: { id: string; name: string };
  lines: { deal_id: string; closed_date: string; amount: number; currency: string; model: string; percentage: number; payout: number }[];
  adjustments: AdjustmentBody[];
  totals: { currency: string; total: number }[];
}

export async function createPeriod(api: Api, start_date: string, end_date: string): Promise<PeriodBody> {
  const res = await api.post('/payout-periods', { start_date, end_date });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<PeriodBody>();
}

export async function lockPeriod(api: Api, id: string): Promise<PeriodBody> {
  const res = await api.post(`/payout-periods/${id}/lock`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PeriodBody>();
}

export async function partnerStatement(api: Api, periodId: string, partnerId: string): Promise<PartnerStatementBody> {
  const res = await api.get(`/payout-periods/${periodId}/statements/${partnerId}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PartnerStatementBody>();
}

/** Every period, every partner statement's raw bytes (JSON and CSV), keyed by period and partner. */
export async function statementBytes(api: Api, periodIds: readonly string[], partnerIds: readonly string[]): Promise<Map<string, string>> {
  const bytes = new Map<string, string>();
  for (const periodId of periodIds) {
    bytes.set(`${periodId} summary`, (await api.get(`/payout-periods/${periodId}/statements`)).body);
    for (const partnerId of partnerIds) {
      const url = `/payout-periods/${periodId}/statements/${partnerId}`;
      bytes.set(`${periodId} ${partnerId} json`, (await api.get(url)).body);
      bytes.set(`${periodId} ${partnerId} csv`, (await api.inject({ method: 'GET', url, headers: { accept: 'text/csv' } })).body);
    }
  }
  return bytes;
}

const minor = (amount: number) => Math.round(amount * 100);

/**
 * Over HTTP only: for every deal booked into a locked period, its locked lines (from the locked
 * statements) plus every adjustment (from every statement and the unassigned list) equal its
 * current payout (GET /attribution; a lost deal pays nothing), per partner and currency, in cents.
 */
export async function expectLedgerMatchesPayouts(api: Api, partnerIds: readonly string[], dealIds: readonly string[]): Promise<void> {
  const periods = (await api.get('/payout-periods?limit=1000')).json<{ data: PeriodBody[] }>().data;
  const ledger = new Map<string, number>();
  const add = (deal: string, partner: string, currency: string, amount: number) => {
    const key = `${deal} ${partner} ${currency}`;
    ledger.set(key, (ledger.get(key) ?? 0) + minor(amount));
  };
  const booked = new Set<string>();
  for (const period of periods) {
    for (const partnerId of partnerIds) {
      const statement = await partnerStatement(api, period.id, partnerId);
      if (period.status !== 'open') {
        for (const line of statement.lines) {
          add(line.deal_id, partnerId, line.currency, line.payout);
          booked.add(line.deal_id);
        }
      }
      for (const adjustment of statement.adjustments) {
        add(adjustment.deal_id, partnerId, adjustment.currency, adjustment.amount);
        booked.add(adjustment.deal_id);
      }
    }
  }
  const unassigned = (await api.get('/payout-adjustments/unassigned?limit=1000')).json<{ data: AdjustmentBody[] }>().data;
  for (const adjustment of unassigned) {
    add(adjustment.deal_id, adjustment.partner_id, adjustment.currency, adjustment.amount);
    booked.add(adjustment.deal_id);
  }
  const current = new Map<string, number>();
  for (const dealId of dealIds) {
    if (!booked.has(dealId)) continue;
    const res = await api.get(`/attribution/${dealId}`);
    if (res.statusCode === 409) continue;
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ currency: string; attributions: { partner_id: string; payout: number }[] }>();
    for (const line of body.attributions) current.set(`${dealId} ${line.partner_id} ${body.currency}`, minor(line.payout));
  }
  for (const key of new Set([...ledger.keys(), ...current.keys()])) {
    if (!booked.has(key.split(' ')[0]!)) continue;
    expect(ledger.get(key) ?? 0, key).toBe(current.get(key) ?? 0);
  }
}
