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
import { DomainError } from '../../../src/domain/errors.js';
import { DAY, splits, T0, timeline, tp, withOptions } from './fixtures.js';

const deal = { amount: 10_000, closedAt: T0 + 10 * DAY };

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
    const outcome = attribute({ ...deal, amount: 5 }, touchpoints, 'equal', withOptions());
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
      { partnerId: 'p1', payout: 10_000, basisPoints: 10000, touchpoints: 1, roles: ['referral'] },
      { partnerId: 'p2', payout: 0, basisPoints: 0, touchpoints: 3, roles: ['demo', 'support'] },
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

  it.each(DATA_DRIVEN_MODELS)('%s shares by the fitted partner weights', (model) => {
    const partnerWeights = new Map([
      ['a', 0.5],
      ['b', 1.5],
      ['x', 9],
    ]);
    const outcome = attribute(deal, touchpoints, model, withOptions({ partnerWeights }));
    expect(outcome.fallback).toBeUndefined();
    expect(splits(outcome)).toEqual([
      ['b', 7500, 7500],
      ['a', 2500, 2500],
      ['c', 0, 0],
    ]);
  });

  it.each(DATA_DRIVEN_MODELS)('%s falls back to equal shares when it knows none of the partners', (model) => {
    const outcome = attribute(deal, touchpoints, model, withOptions({ partnerWeights: new Map([['x', 1]]) }));
    expect(outcome.fallback).toBe('equal');
    expect(splits(outcome)).toEqual([
      ['a', 3334, 3334],
      ['b', 3333, 3333],
      ['c', 3333, 3333],
    ]);
  });

  it.each(DATA_DRIVEN_MODELS)('%s without a fitted model is an error', (model) => {
    expect(codeOf(() => attribute(deal, touchpoints, model, withOptions()))).toBe('model_not_fitted');
  });

  it('rejects negative fitted weights', () => {
    const partnerWeights = new Map([
      ['a', -1],
      ['b', 2],
    ]);
    const run = () => attribute(deal, touchpoints, 'shapley', withOptions({ partnerWeights }));
    expect(codeOf(run)).toBe('invalid_weights');
  });

  it('rule-based models ignore partnerWeights', () => {
    const partnerWeights = new Map([['a', 100]]);
    const withFit = attribute(deal, touchpoints, 'equal', withOptions({ partnerWeights }));
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
    ['a zero amount', { deal: { amount: 0 } }, 'invalid_deal'],
    ['a fractional amount', { deal: { amount: 10.5 } }, 'invalid_deal'],
    ['an unsafe amount', { deal: { amount: 2 ** 53 } }, 'invalid_deal'],
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
    const big = { ...deal, amount: Number.MAX_SAFE_INTEGER };
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
