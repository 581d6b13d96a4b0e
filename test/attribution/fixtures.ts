import { expect } from 'vitest';
import type { Api } from '../helpers/app.js';

/** What GET /attribution answers, as the tests read it. */
export interface AttributionBody {
  deal_id: string;
  total_amount: number;
  currency: string;
  model: string;
  attributions: { partner_id: string; partner_name: string; percentage: number; payout: number; touchpoints: number; role: string }[];
  fallback?: 'equal';
  calculated_at: string;
  cached: boolean;
  /** markov and shapley only. */
  fit?: { version: number; fitted_at: string; won_deals: number; lost_deals: number; lookback_days: number | null };
}

/** A time in January 2024: `jan(15)` is 2024-01-15T10:00:00Z. */
export const jan = (day: number, time = '10:00:00') => `2024-01-${String(day).padStart(2, '0')}T${time}Z`;

export async function createPartners(api: Api, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const res = await api.post('/partners', { id, name: `Partner ${id.toUpperCase()}`, email: `${id}@example.com` });
    expect(res.statusCode, res.body).toBe(201);
  }
}

/** Records touchpoints in the order given (which is their recording order). */
export async function touch(api: Api, dealId: string, touchpoints: readonly [partnerId: string, type: string, timestamp: string][]) {
  for (const [partner_id, touchpoint_type, timestamp] of touchpoints) {
    const res = await api.post('/events', { partner_id, deal_id: dealId, touchpoint_type, timestamp });
    expect(res.statusCode, res.body).toBe(201);
  }
}

export async function createDeal(api: Api, body: Record<string, unknown>): Promise<void> {
  const res = await api.post('/deals', body);
  expect(res.statusCode, res.body).toBe(201);
}

export async function attributionOf(api: Api, dealId: string, query = ''): Promise<AttributionBody> {
  const res = await api.get(`/attribution/${dealId}${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<AttributionBody>();
}

/** Payouts sum exactly to the amount (in minor units) and percentages to exactly 100.00. */
export function expectExact(body: AttributionBody, digits = 2): void {
  const scale = 10 ** digits;
  const minor = (value: number) => Math.round(value * scale);
  if (body.attributions.length === 0) return;
  expect(body.attributions.reduce((sum, line) => sum + minor(line.payout), 0)).toBe(minor(body.total_amount));
  expect(body.attributions.reduce((sum, line) => sum + Math.round(line.percentage * 100), 0)).toBe(10_000);
}

/** `[partner_id, percentage, payout]` per line, in the answer's order. */
export const lines = (body: AttributionBody) => body.attributions.map((line) => [line.partner_id, line.percentage, line.payout]);
