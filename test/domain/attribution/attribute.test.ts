import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_MODELS,
  attribute,
  DATA_DRIVEN_MODELS,
  DEFAULT_ROLE_WEIGHTS,
  isAttributionModel,
  isDataDrivenModel,
  type AttributionDeal,
  type AttributionOptions,
  type ModelName,
  type Touchpoint,
} from '../../../src/domain/attribution/index.js';
import { fitMarkov, type MarkovFit } from '../../../src/domain/attribution/markov.js';
import { fitShapley } from '../../../src/domain/attribution/shapley.js';
import { DomainError } from '../../../src/domain/errors.js';
import { allocate } from '../../../src/domain/money.js';
import { DAY, splits, T0, timeline, tp, withOptions } from './fixtures.js';

const deal = { amountMinor: 10_000, closedAt: T0 + 10 * DAY };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('attribute', () => {
  it.each(ATTRIBUTION_MODELS)('%s: no touchpoints, no shares', (model) => {
    expect(attribute(deal, [], model, withOptions())).toStrictEqual({ shares: [] });
  });

  it('sorts by payout descending, then partner id by code unit', () => {
    const touchpoints = timeline(['é', 'z', 'B', 'a', 'b']);
    const outcome = attribute({ ...deal, amountMinor: 5 }, touchpoints, 'equal', withOptions());
    // All get 1 unit; 'B' (0x42) < 'a' < 'b' < 'z' < 'é' (0xE9), unlike localeCompare.
    expect(outcome.shares.map((share) => share.partnerId)).toEqual(['B', 'a', 'b', 'z', 'é']);
  });

  it('lists every partner with its touchpoint count and roles, even at 0', () => {
    const touchpoints = [
      tp('p1', 'referral', T0, 1),
      tp('p2', 'demo', T0 + DAY, 2),
      tp('p2', 'support', T0 + 2 * DAY, 3),
      tp('p2', 'demo', T0 + 3 * DAY, 4),
    ];
    expect(attribute(deal, touchpoints, 'first-touch', withOptions()).shares).toEqual([
      { partnerId: 'p1', payoutMinor: 10_000, basisPoints: 10000, touchpoints: 1, roles: ['referral'] },
      { partnerId: 'p2', payoutMinor: 0, basisPoints: 0, touchpoints: 3, roles: ['demo', 'support'] },
    ]);
  });

  it('orders roles by the weights in the options', () => {
    const touchpoints = [tp('p1', 'support', T0, 1), tp('p1', 'closer', T0, 2), tp('p1', 'intro', T0, 3)];
    const options = withOptions({ roleWeights: { ...DEFAULT_ROLE_WEIGHTS, support: 99 } });
    const [share] = attribute(deal, touchpoints, 'linear', options).shares;
    expect(share?.roles).toEqual(['support', 'closer', 'intro']);
  });

  it.each(ATTRIBUTION_MODELS)('%s: the result ignores the order touchpoints are passed in', (model) => {
    const [a, b, c, d] = [
      tp('a', 'referral', T0, 3),
      tp('b', 'demo', T0, 1),
      tp('c', 'closer', T0 + DAY, 2),
      tp('a', 'support', T0 + 2 * DAY, 4),
    ] as const;
    const expected = attribute(deal, [a, b, c, d], model, withOptions());
    expect(attribute(deal, [d, c, b, a], model, withOptions())).toEqual(expected);
    expect(attribute(deal, [c, a, d, b], model, withOptions())).toEqual(expected);
  });

  it('does not touch its input', () => {
    const touchpoints = Object.freeze(timeline(['b', 'a']).reverse().map((t) => Object.freeze(t)));
    expect(() => attribute(deal, touchpoints, 'position-based', withOptions())).not.toThrow();
  });
});

describe('attribute: data-driven seam', () => {
  const touchpoints = timeline(['a', 'b', 'c']);
  // a wins alone 3 times in 4, with b always; c never appears in a fit.
  const paths = [
    { partners: ['a'], won: true },
    { partners: ['a'], won: true },
    { partners: ['a'], won: true },
    { partners: ['a'], won: false },
    { partners: ['a', 'b'], won: true },
  ];
  const fits = { markovFit: fitMarkov(paths, 1), shapleyFit: fitShapley(paths, 1) };

  it('markov shares by the fitted removal effects', () => {
    const effect = (id: string) => fits.markovFit.partners.find((p) => p.partnerId === id)?.weight ?? 0;
    const outcome = attribute(deal, touchpoints, 'markov', withOptions(fits));
    expect(outcome.fallback).toBeUndefined();
    const [a, b] = [effect('a'), effect('b')];
    expect(a).toBe(1_000_000_000);
    expect(b).toBeGreaterThan(0);
    expect(splits(outcome).map(([id, payout]) => [id, payout])).toEqual([
      ['a', allocate(10_000, [a, b, 0])[0]],
      ['b', allocate(10_000, [a, b, 0])[1]],
      ['c', 0],
    ]);
  });

  it('shapley shares by the Shapley values over the deal\'s own partners', () => {
    // v({a}) = 3/4, v({a, b}) = 1, v({b}) = 0 → a 7/8, b 1/8; c is in no coalition.
    const outcome = attribute({ ...deal, amountMinor: 8000 }, timeline(['a', 'b']), 'shapley', withOptions(fits));
    expect(splits(outcome)).toEqual([
      ['a', 7000, 8750],
      ['b', 1000, 1250],
    ]);
  });

  it.each(DATA_DRIVEN_MODELS)('%s falls back to equal shares when it knows none of the partners', (model) => {
    const outcome = attribute(deal, timeline(['x', 'y', 'z']), model, withOptions(fits));
    expect(outcome.fallback).toBe('equal');
    expect(splits(outcome)).toEqual([
      ['x', 3334, 3334],
      ['y', 3333, 3333],
      ['z', 3333, 3333],
    ]);
  });

  it.each(DATA_DRIVEN_MODELS)('%s without its fit is an error', (model) => {
    expect(codeOf(() => attribute(deal, touchpoints, model, withOptions()))).toBe('model_not_fitted');
    const otherFit = model === 'markov' ? { shapleyFit: fits.shapleyFit } : { markovFit: fits.markovFit };
    expect(codeOf(() => attribute(deal, touchpoints, model, withOptions(otherFit)))).toBe('model_not_fitted');
  });

  it('rejects a fit of the other model', () => {
    const swapped = { markovFit: fits.shapleyFit as unknown as MarkovFit };
    expect(codeOf(() => attribute(deal, touchpoints, 'markov', withOptions(swapped)))).toBe('invalid_options');
  });

  it('rule-based models ignore the fits', () => {
    const withFit = attribute(deal, touchpoints, 'equal', withOptions(fits));
    expect(withFit).toEqual(attribute(deal, touchpoints, 'equal', withOptions()));
  });
});

describe('attribute: validation', () => {
  interface Input {
    model?: ModelName;
    deal?: Partial<AttributionDeal>;
    options?: Partial<AttributionOptions>;
    touchpoints?: Touchpoint[];
  }
  const roles = (overrides: Record<string, number>) =>
    ({ ...DEFAULT_ROLE_WEIGHTS, ...overrides }) as AttributionOptions['roleWeights'];

  it.each<[string, Input, string]>([
    ['a negative role weight', { options: { roleWeights: roles({ demo: -1 }) } }, 'invalid_options'],
    ['a missing role weight', { options: { roleWeights: { closer: 1 } as never } }, 'invalid_options'],
    ['an infinite role weight', { options: { roleWeights: roles({ other: Infinity }) } }, 'invalid_options'],
    ['a zero half-life', { options: { halfLifeDays: 0 } }, 'invalid_options'],
    ['a negative half-life', { options: { halfLifeDays: -7 } }, 'invalid_options'],
    ['a NaN half-life', { options: { halfLifeDays: NaN } }, 'invalid_options'],
    ['a zero amount', { deal: { amountMinor: 0 } }, 'invalid_deal'],
    ['a fractional amount', { deal: { amountMinor: 10.5 } }, 'invalid_deal'],
    ['an unsafe amount', { deal: { amountMinor: 2 ** 53 } }, 'invalid_deal'],
    ['a NaN close', { deal: { closedAt: NaN } }, 'invalid_deal'],
    ['a close past the Date range', { deal: { closedAt: 1e300 } }, 'invalid_deal'],
    ['a timestamp past the Date range', { touchpoints: [tp('a', 'demo', -1e300, 1)] }, 'invalid_touchpoint'],
    ['a duplicate sequence', { touchpoints: [tp('a', 'demo', T0, 1), tp('b', 'demo', T0, 1)] }, 'invalid_touchpoint'],
    ['an unknown type', { touchpoints: [tp('a', 'lunch' as never, T0, 1)] }, 'invalid_touchpoint'],
    ['a NaN timestamp', { touchpoints: [tp('a', 'demo', NaN, 1)] }, 'invalid_touchpoint'],
    ['an unknown model', { model: 'random' as ModelName }, 'unknown_model'],
    ['a prototype key as model', { model: 'toString' as ModelName }, 'unknown_model'],
  ])('rejects %s', (_name, input, code) => {
    const run = () =>
      attribute(
        { ...deal, ...input.deal },
        input.touchpoints ?? timeline(['a', 'b']),
        input.model ?? 'time-decay',
        withOptions(input.options),
      );
    expect(codeOf(run)).toBe(code);
  });

  it('accepts amounts up to 2^53 - 1 minor units', () => {
    const big = { ...deal, amountMinor: Number.MAX_SAFE_INTEGER };
    const outcome = attribute(big, timeline(['a', 'b', 'c']), 'position-based', withOptions());
    expect(splits(outcome)).toEqual([
      ['a', 3602879701896397, 4000],
      ['c', 3602879701896396, 4000],
      ['b', 1801439850948198, 2000],
    ]);
  });
});

describe('model names', () => {
  it.each([
    ['role-based', true, false],
    ['position-based', true, false],
    ['markov', false, true],
    ['shapley', false, true],
    ['Equal', false, false],
    ['toString', false, false],
  ])('%s: rule-based %s, data-driven %s', (name, ruleBased, dataDriven) => {
    expect(isAttributionModel(name)).toBe(ruleBased);
    expect(isDataDrivenModel(name)).toBe(dataDriven);
  });
});
