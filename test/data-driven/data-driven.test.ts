import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attribute,
  DEFAULT_ATTRIBUTION_OPTIONS,
  fitMarkov,
  fitShapley,
  type MarkovTransition,
  type PartnerPath,
} from '../../src/domain/attribution/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attributionOf, createDeal, createPartners, expectExact, jan, lines, touch } from '../attribution/fixtures.js';
import { fitOf, seedHistory } from './fixtures.js';

/** The history seedHistory records, as the fits see it (target included: it is a won deal). */
const PATHS: PartnerPath[] = [
  { partners: ['a', 'b'], won: true },
  { partners: ['a', 'c'], won: true },
  { partners: ['b'], won: false },
  { partners: ['c', 'a', 'b'], won: true },
  { partners: ['a', 'd'], won: false },
  { partners: ['c'], won: false },
  { partners: ['b', 'c'], won: true },
  { partners: ['d'], won: false },
  { partners: ['a', 'b', 'c'], won: true },
];

const TARGET = [
  { partnerId: 'a', type: 'referral' as const, timestamp: Date.parse('2024-01-12T10:00:00Z'), sequence: 1 },
  { partnerId: 'b', type: 'demo' as const, timestamp: Date.parse('2024-01-15T10:00:00Z'), sequence: 2 },
  { partnerId: 'c', type: 'closer' as const, timestamp: Date.parse('2024-01-20T10:00:00Z'), sequence: 3 },
];
const TARGET_DEAL = { amountMinor: 100_000, closedAt: Date.parse('2024-01-25T10:00:00Z') };

let t: TestApp;
beforeAll(async () => {
  // The worker is off: these tests decide when fits and results are brought up to date.
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  await seedHistory(t.api);
});
afterAll(async () => t.close());

/** The contract's order of a fit's transitions, sorted here as objects: count descending, then from, then to (code-unit order). */
const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const mostTellingFirst = (transitions: MarkovTransition[]) =>
  [...transitions]
    .sort((a, b) => b.count - a.count || text(a.from, b.from) || text(a.to, b.to))
    .map(({ from, to, count, probability }) => ({ from, to, count, probability }));

describe('markov and shapley as deal models', () => {
  it('answers a markov deal with the fit it used, and the payouts a fit of the same paths gives', async () => {
    const body = await attributionOf(t.api, 'target');
    expect(body.model).toBe('markov');
    expect(body).toMatchObject({ fit: { version: 1, won_deals: 5, lost_deals: 4, lookback_days: null } });
    const expected = attribute(TARGET_DEAL, TARGET, 'markov', { ...DEFAULT_ATTRIBUTION_OPTIONS, markovFit: fitMarkov(PATHS, 1) });
    expect(lines(body)).toEqual(expected.shares.map((s) => [s.partnerId, s.basisPoints / 100, s.payoutMinor / 100]));
    expectExact(body);
    // Stored: the next answer is the same result, cached.
    const again = await attributionOf(t.api, 'target');
    expect(again.cached).toBe(true);
    expect(lines(again)).toEqual(lines(body));
  });

  it('computes shapley as a what-if with its own fit', async () => {
    const body = await attributionOf(t.api, 'target', '?model=shapley');
    expect(body).toMatchObject({ model: 'shapley', cached: false, fit: { version: 1, won_deals: 5, lost_deals: 4 } });
    const expected = attribute(TARGET_DEAL, TARGET, 'shapley', { ...DEFAULT_ATTRIBUTION_OPTIONS, shapleyFit: fitShapley(PATHS, 1) });
    expect(lines(body)).toEqual(expected.shares.map((s) => [s.partnerId, s.basisPoints / 100, s.payoutMinor / 100]));
  });

  it('gives no fit to the rule-based answers', async () => {
    const body = await attributionOf(t.api, 'target', '?model=linear');
    expect(body).not.toHaveProperty('fit');
  });

  it('accepts markov and shapley on deals and as the default model, and rejects unknown names', async () => {
    const created = await t.api.post('/deals', { id: 'sh1', amount: 10, attribution_model: 'shapley', status: 'lost' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ attribution_model: 'shapley' });
    const bad = await t.api.get('/attribution/target?model=markoff');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toContain('model');
  });

  it('compares all nine models, with the fits used', async () => {
    const res = await t.api.get('/attribution/target/compare');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(Object.keys(body.models).sort()).toEqual(
      ['equal', 'first-touch', 'last-touch', 'linear', 'markov', 'position-based', 'role-based', 'shapley', 'time-decay'],
    );
    expect(body.fits.markov).toMatchObject({ version: 1 });
    expect(body.fits.shapley).toMatchObject({ version: 1 });
    const markov = await attributionOf(t.api, 'target');
    expect(body.models.markov).toEqual(markov.attributions);
  });
});

describe('GET /attribution-models', () => {
  it('lists every model with its parameters, description and, for the data-driven ones, the fit', async () => {
    const res = await t.api.get('/attribution-models');
    expect(res.statusCode, res.body).toBe(200);
    const { models } = res.json();
    expect(models.map((m: { model: string }) => m.model)).toEqual([
      'equal', 'first-touch', 'last-touch', 'role-based', 'time-decay', 'linear', 'position-based', 'markov', 'shapley',
    ]);
    expect(models.find((m: { model: string }) => m.model === 'role-based').parameters.role_weights.closer).toBe(35);
    expect(models.find((m: { model: string }) => m.model === 'time-decay').parameters.half_life_days).toBe(7);
    expect(models.find((m: { model: string }) => m.model === 'markov')).toMatchObject({ kind: 'data-driven', fit: { version: 1 } });
    for (const model of models) expect(model.description.length).toBeGreaterThan(10);
  });

  it('serves the markov fit: removal effects and transitions as the domain fits them', async () => {
    const body = await fitOf(t.api, 'markov');
    const fit = fitMarkov(PATHS, 1);
    expect(body).toMatchObject({ version: 1, won_deals: 5, lost_deals: 4, conversion: fit.conversion, partners_total: 4 });
    const effects = Object.fromEntries((body.partners as { partner_id: string; removal_effect: number }[]).map((p) => [p.partner_id, p.removal_effect]));
    expect(effects).toEqual(Object.fromEntries(fit.partners.map((p) => [p.partnerId, p.removalEffect])));
    const transitions = body.transitions as { from: string; to: string; probability: number; count: number }[];
    expect(transitions).toHaveLength(fit.transitions.length);
    expect(transitions.find((e) => e.from === 'start' && e.to === 'a')).toMatchObject({ count: 4 });
    expect(transitions).toEqual(mostTellingFirst(fit.transitions));
    const limited = await fitOf(t.api, 'markov', '?limit=2');
    expect(limited.partners).toHaveLength(2);
    expect(limited.transitions).toHaveLength(2);
    expect(limited.transitions_total).toBe(fit.transitions.length);
  });

  it('lists transitions by count, then from and to as text, with ids on both sides of start, won and lost', async () => {
    const other = await startTestApp({ PROPAGATION_WORKER: 'off' });
    try {
      // A partner named like a state ties with it as text; the table's order (state first) breaks the tie.
      const ids = ['m1', 'start', 'x9', 'zz', 'a0'];
      await createPartners(other.api, ids);
      const history: [string, 'won' | 'lost', string[]][] = [
        ['o1', 'won', ['zz', 'm1']],
        ['o2', 'lost', ['start', 'x9']],
        ['o3', 'won', ['x9', 'start', 'zz']],
        ['o4', 'lost', ['a0']],
        ['o5', 'won', ['m1', 'a0', 'start']],
        ['o6', 'lost', ['zz']],
      ];
      for (const [id, status, partners] of history) {
        await touch(other.api, id, partners.map((partner, i) => [partner, 'referral', jan(2 + i)] as const));
        await createDeal(other.api, { id, amount: 100, status, closed_date: jan(10) });
      }
      const fit = fitMarkov(history.map(([, status, partners]) => ({ partners, won: status === 'won' })), 1);
      const expected = mostTellingFirst(fit.transitions);
      // Short pages first: a page of at most an eighth of the list is selected, not sorted out of the whole list.
      expect(expected.length).toBeGreaterThanOrEqual(16);
      for (const limit of [1, 2]) expect((await fitOf(other.api, 'markov', `?limit=${limit}`)).transitions).toEqual(expected.slice(0, limit));
      expect((await fitOf(other.api, 'markov')).transitions).toEqual(expected);
      expect((await fitOf(other.api, 'markov', '?limit=3')).transitions).toEqual(expected.slice(0, 3));
    } finally {
      await other.close();
    }
  });

  it('serves the shapley fit: every exact partner set with its wins, losses and win rate', async () => {
    // The contract's order: deals, then the members' ids joined, as text.
    const expected = fitShapley(PATHS, 1)
      .coalitions.map(({ partnerIds, won, lost }) => ({ partner_ids: partnerIds, won, lost, win_rate: won / (won + lost) }))
      .sort((a, b) => b.won + b.lost - (a.won + a.lost) || (a.partner_ids.join('\u0000') < b.partner_ids.join('\u0000') ? -1 : 1));
    // A short page first (selected, not sorted out of the whole list), then the whole list.
    expect(expected.length).toBeGreaterThanOrEqual(8);
    expect((await fitOf(t.api, 'shapley', '?limit=1')).coalitions).toEqual(expected.slice(0, 1));
    const body = await fitOf(t.api, 'shapley');
    const coalitions = body.coalitions as { partner_ids: string[]; won: number; lost: number; win_rate: number }[];
    expect(coalitions).toEqual(expected);
    expect((await fitOf(t.api, 'shapley', '?limit=2')).coalitions).toEqual(expected.slice(0, 2));
    expect(body.coalitions_total).toBe(fitShapley(PATHS, 1).coalitions.length);
    expect(coalitions.find((c) => c.partner_ids.join() === 'a,b,c')).toEqual({ partner_ids: ['a', 'b', 'c'], won: 2, lost: 0, win_rate: 1 });
    expect(coalitions.find((c) => c.partner_ids.join() === 'd')).toEqual({ partner_ids: ['d'], won: 0, lost: 1, win_rate: 0 });
  });

  it('rejects a bad limit with a 400 naming it', async () => {
    const res = await t.api.get('/attribution-models/markov?limit=0');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toContain('limit');
  });

  it('are in the OpenAPI document, with markov and shapley among the model names', async () => {
    const doc = (await t.as(undefined).get('/openapi.json')).json();
    for (const path of ['/attribution-models', '/attribution-models/markov', '/attribution-models/shapley', '/attribution/{dealId}/explain']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(JSON.stringify(doc.paths['/attribution/{dealId}'])).toContain('lookback_days');
    expect(JSON.stringify(doc)).toContain('"shapley"');
  });

  it('needs a key', async () => {
    expect((await t.as(undefined).get('/attribution-models')).statusCode).toBe(401);
  });
});
