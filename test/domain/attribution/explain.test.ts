import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_MODELS,
  DATA_DRIVEN_MODELS,
  DEFAULT_ATTRIBUTION_OPTIONS,
  attribute,
  explainAttribution,
  fitMarkov,
  fitShapley,
  isWithinLookback,
  type AttributionExplanation,
  type ModelName,
  type Touchpoint,
} from '../../../src/domain/attribution/index.js';
import { currencyDigits } from '../../../src/domain/money.js';
import { fittedScenario } from './arbitraries.js';
import { DAY, tp } from './fixtures.js';

const MODELS: ModelName[] = [...ATTRIBUTION_MODELS, ...DATA_DRIVEN_MODELS];
const at = (iso: string) => Date.parse(iso);

// The brief's deal-123 (docs/models.md): 50,000.00 USD closed 2024-01-20T15:00Z.
const deal = { amountMinor: 5_000_000, closedAt: at('2024-01-20T15:00:00Z'), currency: 'USD' };
const touchpoints = [
  tp('p1', 'referral', at('2024-01-15T10:00:00Z'), 1),
  tp('p2', 'demo', at('2024-01-16T10:00:00Z'), 2),
  tp('p1', 'closer', at('2024-01-19T10:00:00Z'), 3),
];
// Seven earlier deals, the fit the worked examples use (fit 12).
const history = [
  { partners: ['p1', 'p2', 'p1'], won: true },
  { partners: ['p1'], won: true },
  { partners: ['p1'], won: true },
  { partners: ['p1'], won: false },
  { partners: ['p2'], won: false },
  { partners: ['p2', 'p1'], won: true },
  { partners: ['p1', 'p2'], won: true },
];
const options = { ...DEFAULT_ATTRIBUTION_OPTIONS, markovFit: fitMarkov(history, 12), shapleyFit: fitShapley(history, 12) };

/** `[partner, weight, share, exactPayout, payout, roundingUnits]` and each touchpoint's `[weight, rule]`. */
function summary(explanation: AttributionExplanation) {
  return explanation.partners.map((p) => ({
    partner: [p.partnerId, p.weight, `${p.share.numerator}/${p.share.denominator}`, p.exactPayout, p.payoutMinor, p.roundingUnits],
    touchpoints: p.touchpoints.map((t) => [t.touchpoint.sequence, t.weight, t.rule]),
  }));
}

describe('explainAttribution: one worked example per model (docs/models.md)', () => {
  it.each<[ModelName, ReturnType<typeof summary>]>([
    ['equal', [
      { partner: ['p1', 1, '1/2', '25000', 2_500_000, 0], touchpoints: [[1, 1, 'equal: 1 per partner'], [3, 0, 'equal: partner already counted']] },
      { partner: ['p2', 1, '1/2', '25000', 2_500_000, 0], touchpoints: [[2, 1, 'equal: 1 per partner']] },
    ]],
    ['first-touch', [
      { partner: ['p1', 1, '1/1', '50000', 5_000_000, 0], touchpoints: [[1, 1, 'first of 3: 100%'], [3, 0, '3 of 3: only the first counts']] },
      { partner: ['p2', 0, '0/1', '0', 0, 0], touchpoints: [[2, 0, '2 of 3: only the first counts']] },
    ]],
    ['last-touch', [
      { partner: ['p1', 1, '1/1', '50000', 5_000_000, 0], touchpoints: [[1, 0, '1 of 3: only the last counts'], [3, 1, 'last of 3: 100%']] },
      { partner: ['p2', 0, '0/1', '0', 0, 0], touchpoints: [[2, 0, '2 of 3: only the last counts']] },
    ]],
    ['role-based', [
      { partner: ['p1', 60, '4/5', '40000', 4_000_000, 0], touchpoints: [[1, 25, 'referral: role weight 25'], [3, 35, 'closer: role weight 35']] },
      { partner: ['p2', 15, '1/5', '10000', 1_000_000, 0], touchpoints: [[2, 15, 'demo: role weight 15']] },
    ]],
    ['linear', [
      { partner: ['p1', 2, '2/3', '33333.333333333333…', 3_333_333, 0], touchpoints: [[1, 1, '1 per touchpoint'], [3, 1, '1 per touchpoint']] },
      { partner: ['p2', 1, '1/3', '16666.666666666666…', 1_666_667, 1], touchpoints: [[2, 1, '1 per touchpoint']] },
    ]],
    ['position-based', [
      { partner: ['p1', 4, '4/5', '40000', 4_000_000, 0], touchpoints: [[1, 2, 'first of 3: 40%'], [3, 2, 'last of 3: 40%']] },
      { partner: ['p2', 1, '1/5', '10000', 1_000_000, 0], touchpoints: [[2, 1, 'between (2 of 3): 20% / 1 = 20%']] },
    ]],
    // Fit 12 by hand: P(won) = 5/7; without p1 1/14, so 0.9; without p2 20/49, so 3/7 = 0.428571429 (rounded to 1e-9).
    ['markov', [
      { partner: ['p1', 0.9, '300000000/442857143', '33870.967731009365…', 3_387_097, 1], touchpoints: [[1, 0.9, 'removal effect 0.9 of fit 12'], [3, 0, 'repeat: the removal effect counts once per partner']] },
      { partner: ['p2', 0.428571429, '142857143/442857143', '16129.032268990634…', 1_612_903, 0], touchpoints: [[2, 0.428571429, 'removal effect 0.428571429 of fit 12']] },
    ]],
    // v({p1}) = 2/3, v({p2}) = 0, v({p1, p2}) = 3/3: p1 (2/3 + 1)/2 = 5/6, p2 (0 + 1/3)/2 = 1/6.
    ['shapley', [
      { partner: ['p1', 0.833333333, '833333333/1000000000', '41666.66665', 4_166_667, 1], touchpoints: [[1, 0.833333333, 'Shapley value 0.833333333 over 2 partners of fit 12'], [3, 0, 'repeat: the Shapley value counts once per partner']] },
      { partner: ['p2', 0.166666667, '166666667/1000000000', '8333.33335', 833_333, 0], touchpoints: [[2, 0.166666667, 'Shapley value 0.166666667 over 2 partners of fit 12']] },
    ]],
  ])('%s', (model, expected) => {
    expect(summary(explainAttribution(deal, touchpoints, model, options))).toEqual(expected);
  });

  it('time-decay: each touchpoint with its age, measured from the youngest', () => {
    const explanation = explainAttribution(deal, touchpoints, 'time-decay', options);
    expect(explanation.settings).toEqual({ lookbackDays: null, halfLifeDays: 7 });
    expect(explanation.partners.flatMap((p) => p.touchpoints.map((t) => t.rule))).toEqual([
      'age 5.21 days (4 days older than the youngest), half-life 7: 2^(-0.5714) = 0.673',
      'age 1.21 days, the youngest: weight 1',
      'age 4.21 days (3 days older than the youngest), half-life 7: 2^(-0.4286) = 0.743',
    ]);
    expect(explanation.partners.map((p) => [p.partnerId, p.payoutMinor, p.roundingUnits])).toEqual([
      ['p1', 3_462_307, 1],
      ['p2', 1_537_693, 0],
    ]);
  });

  it('time-decay with a touchpoint at the close reads as the contract example', () => {
    const closedAt = at('2024-01-20T00:00:00Z');
    const explanation = explainAttribution({ ...deal, closedAt }, [tp('a', 'demo', closedAt - 3.5 * DAY, 1), tp('b', 'demo', closedAt, 2)], 'time-decay', options);
    expect(explanation.partners.flatMap((p) => p.touchpoints.map((t) => t.rule))).toContain('age 3.5 days, half-life 7: 2^(-0.5) = 0.7071');
  });

  it('shows the settings and the fit used, the lookback window, and what it left out', () => {
    const windowed = { ...options, lookbackDays: 3 };
    const explanation = explainAttribution(deal, touchpoints, 'markov', windowed);
    expect(explanation.settings).toEqual({ lookbackDays: 3, fit: { model: 'markov', version: 12, wonDeals: 5, lostDeals: 2 } });
    expect(explanation.excluded.map((t) => [t.touchpoint.sequence, t.weight, t.rule])).toEqual([
      [1, 0, 'outside the 3-day lookback window: 5.21 days before the close'],
      [2, 0, 'outside the 3-day lookback window: 4.21 days before the close'],
    ]);
    expect(explanation.partners.map((p) => [p.partnerId, p.payoutMinor])).toEqual([['p1', 5_000_000]]);
  });

  it('names the partners a tie gave the leftover unit to', () => {
    const explanation = explainAttribution({ ...deal, amountMinor: 100 }, [tp('p3', 'demo', 1, 1), tp('p1', 'demo', 2, 2), tp('p2', 'demo', 3, 3)], 'equal', options);
    expect(explanation.rounding).toEqual({
      method: 'largest-remainder',
      leftoverUnits: 1,
      tieBreak: 'equal remainders go to the partner whose first touchpoint came first (timestamp, then recording order): p3 touched the deal before p1, p2, with the same remainder',
    });
    expect(explanation.partners.map((p) => [p.partnerId, p.exactPayout, p.payoutMinor, p.roundingUnits])).toEqual([
      ['p3', '0.333333333333…', 34, 1],
      ['p1', '0.333333333333…', 33, 0],
      ['p2', '0.333333333333…', 33, 0],
    ]);
  });

  it('explains the equal fallback when the fit knows none of the partners', () => {
    const explanation = explainAttribution(deal, [tp('new', 'demo', 1, 1), tp('new', 'demo', 2, 2)], 'markov', options);
    expect(explanation.fallback).toBe('equal');
    expect(explanation.partners[0]?.touchpoints.map((t) => [t.weight, t.rule])).toEqual([
      [1, 'not in fit 12: removal effect 0; every partner weighs 0, so each partner counts 1'],
      [0, 'repeat: the removal effect counts once per partner; every partner weighs 0, so the partner counts once'],
    ]);
  });

  it('says why a negative Shapley value counts as 0', () => {
    const fit = fitShapley([{ partners: ['a'], won: true }, { partners: ['a', 'b'], won: false }], 3);
    const explanation = explainAttribution(deal, [tp('a', 'demo', 1, 1), tp('b', 'demo', 2, 2)], 'shapley', { ...options, shapleyFit: fit });
    expect(explanation.partners.map((p) => p.touchpoints[0]?.rule)).toEqual([
      'Shapley value 0.5 over 2 partners of fit 3',
      'Shapley value -0.5 over 2 partners of fit 3: negative counts as 0',
    ]);
  });
});

describe('explainAttribution properties', () => {
  const currency = fc.constantFrom('USD', 'JPY', 'BHD');

  it.each(MODELS)('%s: explains exactly what attribute pays, over 1000 random deals', (model) => {
    fc.assert(
      fc.property(fittedScenario, currency, ({ deal: base, options: opts, touchpoints: list }, code) => {
        const explanation = explainAttribution({ ...base, currency: code }, list, model, opts);
        const outcome = attribute(base, list, model, opts);
        expect(explanation.partners.map((p) => [p.partnerId, p.payoutMinor, p.basisPoints])).toEqual(
          outcome.shares.map((s) => [s.partnerId, s.payoutMinor, s.basisPoints]),
        );
        expect(explanation.fallback).toBe(outcome.fallback);
        expectSoundExplanation(base.amountMinor, base.closedAt, list, opts.lookbackDays, code, explanation);
      }),
      { numRuns: 1000 },
    );
  });
});

function expectSoundExplanation(
  amount: number,
  closedAt: number,
  list: readonly Touchpoint[],
  lookbackDays: number | null | undefined,
  currency: string,
  explanation: AttributionExplanation,
): void {
  const inside = list.filter((t) => isWithinLookback(closedAt, t.timestamp, lookbackDays));
  const listed = explanation.partners.flatMap((p) => p.touchpoints.map((t) => t.touchpoint));
  expect(listed.map((t) => t.sequence).sort((a, b) => a - b)).toEqual(inside.map((t) => t.sequence).sort((a, b) => a - b));
  expect(explanation.excluded.length).toBe(list.length - inside.length);

  let units = 0;
  let shareSum = { numerator: 0n, denominator: 1n };
  for (const partner of explanation.partners) {
    const [numerator, denominator] = [BigInt(partner.share.numerator), BigInt(partner.share.denominator)];
    expect(BigInt(partner.payoutMinor)).toBe((BigInt(amount) * numerator) / denominator + BigInt(partner.roundingUnits));
    expect([0, 1]).toContain(partner.roundingUnits);
    units += partner.roundingUnits;
    shareSum = {
      numerator: shareSum.numerator * denominator + numerator * shareSum.denominator,
      denominator: shareSum.denominator * denominator,
    };
    const exact = Number(partner.exactPayout.replace('…', '')) * 10 ** currencyDigits(currency);
    expect(Math.abs(exact - partner.payoutMinor)).toBeLessThanOrEqual(1 + Math.abs(exact) * 1e-12);
    const touchpointSum = partner.touchpoints.reduce((sum, t) => sum + t.weight, 0);
    expect(touchpointSum).toBe(partner.weight);
    for (const t of partner.touchpoints) expect(t.rule.length).toBeGreaterThan(0);
  }
  expect(units).toBe(explanation.rounding.leftoverUnits);
  if (explanation.partners.length > 0) expect(shareSum.numerator).toBe(shareSum.denominator);
}
