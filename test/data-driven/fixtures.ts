import { expect } from 'vitest';
import type { Api } from '../helpers/app.js';
import { createDeal, createPartners, jan, touch } from '../attribution/fixtures.js';

/**
 * A small history for the fits: won and lost deals over partners a, b, c and d, and the deal
 * `target` (won, $1,000, closed Jan 25) touched by a, b and c, whose answers the tests read.
 */
export async function seedHistory(api: Api, targetModel = 'markov'): Promise<void> {
  await createPartners(api, ['a', 'b', 'c', 'd']);
  const history: [id: string, status: 'won' | 'lost', partners: string[]][] = [
    ['h1', 'won', ['a', 'b']],
    ['h2', 'won', ['a', 'c']],
    ['h3', 'lost', ['b']],
    ['h4', 'won', ['c', 'a', 'b']],
    ['h5', 'lost', ['a', 'd']],
    ['h6', 'lost', ['c']],
    ['h7', 'won', ['b', 'c']],
    ['h8', 'lost', ['d']],
  ];
  for (const [id, status, partners] of history) {
    await touch(api, id, partners.map((partner, i) => [partner, i === partners.length - 1 ? 'closer' : 'referral', jan(2 + i)] as const));
    await createDeal(api, { id, amount: 500, status, closed_date: jan(10) });
  }
  await touch(api, 'target', [
    ['a', 'referral', jan(12)],
    ['b', 'demo', jan(15)],
    ['c', 'closer', jan(20)],
  ]);
  await createDeal(api, { id: 'target', amount: 1000, closed_date: jan(25), attribution_model: targetModel });
}

export interface FitBody {
  version: number;
  fitted_at: string;
  won_deals: number;
  lost_deals: number;
  lookback_days: number | null;
}

export async function fitOf(api: Api, model: 'markov' | 'shapley', query = ''): Promise<FitBody & Record<string, unknown>> {
  const res = await api.get(`/attribution-models/${model}${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
