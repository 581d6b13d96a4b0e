import { describe, expect, it } from 'vitest';
import {
  attribute,
  dealPath,
  formatFittedWeight,
  isWithinLookback,
  MS_PER_DAY,
  toFittedWeight,
} from '../../../src/domain/attribution/index.js';
import { DomainError } from '../../../src/domain/errors.js';
import { formatRational, gcd } from '../../../src/domain/exact-decimal.js';
import { DAY, splits, T0, tp, withOptions } from './fixtures.js';

const closedAt = T0 + 40 * DAY;

describe('lookback window', () => {
  it.each([
    ['no window', null, 1000 * DAY, true],
    ['no window (absent)', undefined, 1000 * DAY, true],
    ['exactly at the edge', 30, 30 * DAY, true],
    ['one millisecond past it', 30, 30 * DAY + 1, false],
    ['after the close', 0, -DAY, true],
    ['at the close with a 0-day window', 0, 0, true],
    ['a fractional window', 0.5, 12 * 3_600_000, true],
  ])('%s', (_name, lookbackDays, age, inside) => {
    expect(isWithinLookback(closedAt, closedAt - age, lookbackDays)).toBe(inside);
  });

  const [old, first, last] = [
    tp('old', 'referral', closedAt - 45 * DAY, 1),
    tp('p1', 'demo', closedAt - 10 * DAY, 2),
    tp('p2', 'closer', closedAt - DAY, 3),
  ];
  const touchpoints = [old, first, last];

  it('leaves touchpoints outside the window out of every model', () => {
    const outcome = attribute({ amountMinor: 9000, closedAt }, touchpoints, 'first-touch', withOptions({ lookbackDays: 30 }));
    expect(splits(outcome)).toEqual([
      ['p1', 9000, 10000],
      ['p2', 0, 0],
    ]);
  });

  it('answers no shares when every touchpoint is outside', () => {
    const outcome = attribute({ amountMinor: 9000, closedAt }, touchpoints, 'linear', withOptions({ lookbackDays: 0.5 }));
    expect(outcome).toEqual({ shares: [] });
  });

  it('counts only the window in the touchpoint counts', () => {
    const both = [...touchpoints, tp('p1', 'demo', closedAt - 60 * DAY, 4)];
    const outcome = attribute({ amountMinor: 9000, closedAt }, both, 'linear', withOptions({ lookbackDays: 30 }));
    expect(outcome.shares.map((s) => [s.partnerId, s.touchpoints])).toEqual([
      ['p1', 1],
      ['p2', 1],
    ]);
  });

  it.each([-1, NaN, Infinity])('rejects a lookback of %s', (lookbackDays) => {
    const run = () => attribute({ amountMinor: 1, closedAt }, touchpoints, 'equal', withOptions({ lookbackDays }));
    expect(run).toThrow(DomainError);
  });

  it('builds fit paths from the window only, in touchpoint order', () => {
    const shuffled = [last, old, first];
    expect(dealPath({ closedAt, won: false }, shuffled, 30)).toEqual({ partners: ['p1', 'p2'], won: false });
    expect(dealPath({ closedAt, won: true }, shuffled, null)).toEqual({ partners: ['old', 'p1', 'p2'], won: true });
    expect(dealPath({ closedAt, won: true }, shuffled, 0)).toEqual({ partners: [], won: true });
    expect(MS_PER_DAY).toBe(DAY);
  });
});

describe('fitted weights and exact decimals', () => {
  it.each([
    [0.75, 750_000_000, '0.75'],
    [1, 1_000_000_000, '1'],
    [1 / 3, 333_333_333, '0.333333333'],
    [2 / 3, 666_666_667, '0.666666667'],
    [4e-10, 0, '0'],
    [6e-10, 1, '0.000000001'],
    [-0.25, 0, '0'],
    [NaN, 0, '0'],
  ])('%s → %s (%s)', (value, weight, text) => {
    expect(toFittedWeight(value)).toBe(weight);
    expect(formatFittedWeight(weight)).toBe(text);
  });

  it.each([
    [10n, 4n, 0, 12, '2.5'],
    [5n, 1n, 2, 12, '0.05'],
    [100_000n, 3n, 2, 4, '333.3333…'],
    [0n, 7n, 2, 12, '0'],
    [7n, 7n, 3, 12, '0.001'],
    [1n, 8n, 0, 2, '0.12…'],
  ])('formatRational(%s, %s, %s, %s) = %s', (numerator, denominator, scale, max, text) => {
    expect(formatRational(numerator, denominator, scale, max)).toBe(text);
  });

  it('gcd', () => {
    expect([gcd(12n, 18n), gcd(0n, 5n), gcd(7n, 0n), gcd(1n, 1n)]).toEqual([6n, 5n, 7n, 1n]);
  });
});
