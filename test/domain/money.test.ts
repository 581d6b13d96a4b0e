import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  allocate,
  allocateBasisPoints,
  currencyDigits,
  isCurrencyCode,
  toMajorUnits,
  toMinorUnits,
} from '../../src/domain/money.js';

const MAX = Number.MAX_SAFE_INTEGER;

function domainCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('currencyDigits', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['BHD', 3],
    ['KWD', 3],
  ])('%s has %i minor digits', (currency, digits) => {
    expect(currencyDigits(currency)).toBe(digits);
  });

  it.each(['usd', 'XYZ', 'US', 'USDT', ''])('rejects %j', (currency) => {
    expect(domainCode(() => currencyDigits(currency))).toBe('invalid_currency');
  });
});

describe('isCurrencyCode', () => {
  it.each([
    ['USD', true],
    ['GBP', true],
    ['BHD', true],
    ['usd', false],
    ['Usd', false],
    ['XYZ', false],
    ['US', false],
    [' USD', false],
  ])('%j → %s', (code, expected) => {
    expect(isCurrencyCode(code)).toBe(expected);
  });
});

describe('the currency table', () => {
  // The table stands in for Intl (money.ts says why) and is fixed, so every instance agrees
  // whatever its Node's ICU. Newer ICUs add or withdraw a code now and then: the test allows a
  // few such differences, and holds every code both know to the digits Intl formats it with.
  it('agrees with this runtime\'s Intl on the digits of every code both know, and differs by at most a few codes', () => {
    const known = new Set(Intl.supportedValuesOf('currency'));
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const differences: string[] = [];
    for (const a of letters) {
      for (const b of letters) {
        for (const c of letters) {
          const code = a + b + c;
          if (isCurrencyCode(code) !== known.has(code)) differences.push(code);
          if (!isCurrencyCode(code) || !known.has(code)) continue;
          const { maximumFractionDigits } = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions();
          expect(currencyDigits(code), code).toBe(maximumFractionDigits);
        }
      }
    }
    expect(differences.length, differences.join(' ')).toBeLessThanOrEqual(5);
    expect(known.size).toBeGreaterThan(150);
  });
});

describe('toMinorUnits', () => {
  it.each([
    [1234.56, 'USD', 123456],
    [0.1, 'USD', 10],
    [19.99, 'USD', 1999],
    [4.35, 'USD', 435],
    [1e-2, 'USD', 1],
    [50000, 'USD', 5_000_000],
    [10.5, 'USD', 1050],
    [0, 'USD', 0],
    [-12.34, 'USD', -1234],
    [1500, 'JPY', 1500],
    [1e3, 'JPY', 1000],
    [1.234, 'BHD', 1234],
    [0.001, 'BHD', 1],
    [90071992547409.9, 'USD', 9007199254740990],
    [9007199254740991, 'JPY', MAX],
  ])('%d %s → %d', (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toBe(minor);
  });

  it('turns -0 into 0', () => {
    expect(Object.is(toMinorUnits(-0, 'USD'), 0)).toBe(true);
  });

  it.each([
    [10.005, 'USD'],
    [0.001, 'USD'],
    [1e-7, 'USD'],
    [5e-324, 'USD'],
    [1.5, 'JPY'],
    [0.0001, 'BHD'],
    [NaN, 'USD'],
    [Infinity, 'USD'],
    [-Infinity, 'USD'],
    [1e21, 'USD'],
    [1e15, 'USD'],
    [90071992547409.92, 'USD'],
    [9007199254740992, 'JPY'],
  ])('rejects %d %s', (amount, currency) => {
    expect(toMinorUnits(amount, currency)).toBeUndefined();
  });

  it('is exact for every cent amount a JSON number carries', () => {
    const wrong: number[] = [];
    for (let cents = 0; cents <= 100_000; cents += 1) {
      const amount = Number(`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`);
      if (toMinorUnits(amount, 'USD') !== cents) wrong.push(cents);
    }
    expect(wrong).toEqual([]);
  });
});

describe('toMajorUnits', () => {
  it.each([
    [123456, 'USD', 1234.56],
    [10, 'USD', 0.1],
    [1, 'USD', 0.01],
    [1999, 'USD', 19.99],
    [-1234, 'USD', -12.34],
    [5_000_000, 'USD', 50000],
    [500, 'JPY', 500],
    [5, 'BHD', 0.005],
    [0, 'USD', 0],
  ])('%d %s → %d', (minor, currency, major) => {
    expect(toMajorUnits(minor, currency)).toBe(major);
  });

  it('prints without float noise and round-trips', () => {
    expect(String(toMajorUnits(30, 'USD'))).toBe('0.3');
    for (const minor of [1, 7, 99, 100, 101, 123_456_789, 999_999_999_999_999]) {
      expect(toMinorUnits(toMajorUnits(minor, 'USD'), 'USD')).toBe(minor);
    }
  });

  it.each([1.5, NaN, MAX + 1])('rejects %d', (minor) => {
    expect(domainCode(() => toMajorUnits(minor, 'USD'))).toBe('invalid_amount');
  });

  it('is the number its exact decimal string parses to, for every safe integer', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -1_000_000, max: 1_000_000 })), fc.constantFrom('USD', 'JPY', 'BHD'), (minor, currency) => {
        const digits = currencyDigits(currency);
        const exact = BigInt(minor);
        const whole = (exact < 0n ? -exact : exact) / 10n ** BigInt(digits);
        const fraction = ((exact < 0n ? -exact : exact) % 10n ** BigInt(digits)).toString().padStart(digits, '0');
        const decimal = `${exact < 0n ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`;
        expect(Object.is(toMajorUnits(minor, currency), minor === 0 ? 0 : Number(decimal))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('allocate', () => {
  it.each([
    [10000, [1, 1, 1], [3334, 3333, 3333]],
    [100, [0, 3, 1], [0, 75, 25]],
    [5, [1, 2], [2, 3]],
    [1, [1, 1], [1, 0]],
    [2, [1, 1, 1], [1, 1, 0]],
    [3, [1, 1, 1, 1], [1, 1, 1, 0]],
    [1, [2, 1, 2], [1, 0, 0]],
    [2, [2, 1, 2], [1, 0, 1]],
    [10000, [6, 1, 1, 1, 6], [4000, 667, 667, 666, 4000]],
    [0, [1, 2], [0, 0]],
    [7, [5], [7]],
    [7, [0, 0, 1], [0, 0, 7]],
  ])('allocate(%d, %j) → %j', (total, weights, expected) => {
    expect(allocate(total, weights)).toEqual(expected);
  });

  it('gives tied remainders to the lower index', () => {
    expect(allocate(1, [1, 1, 1])).toEqual([1, 0, 0]);
    expect(allocate(2, [3, 1, 1, 1])).toEqual([1, 1, 0, 0]); // 0.5 remainder ties: indexes 0 and 1 win
    expect(allocate(4, [1, 3, 3])).toEqual([0, 2, 2]); // 0.571 vs 1.714 × 2: .714 ties go to 1 then 2
  });

  it('is exact for totals and weights past 2^53', () => {
    // Exact shares: MAX - 2 + 1/(MAX+1) and 1 - 1/(MAX+1); float products of MAX * MAX would round.
    expect(allocate(MAX, [MAX, 1])).toEqual([MAX - 1, 1]);
    expect(allocate(MAX, [1, 1])).toEqual([4503599627370496, 4503599627370495]);
    // Shares ≈ …329.99999, …330.33333, …330.66667: the two leftover units go to indexes 0 and 2.
    expect(allocate(MAX, [MAX - 2, MAX - 1, MAX])).toEqual([3002399751580330, 3002399751580330, 3002399751580331]);
    expect(allocate(MAX, [3, 3, 3])).toEqual([3002399751580331, 3002399751580330, 3002399751580330]);
  });

  it('is exact for fractional weights too', () => {
    expect(allocate(7, [1, 0.5, 0.25])).toEqual([4, 2, 1]);
    // 0.1, 0.2 and 0.7 are not what they print as; the exact ratios still give 1, 2, 7.
    expect(allocate(10, [0.1, 0.2, 0.7])).toEqual([1, 2, 7]);
    expect(allocate(3, [Number.MIN_VALUE, Number.MIN_VALUE])).toEqual([2, 1]);
    expect(allocate(100, [Number.MIN_VALUE, 1])).toEqual([0, 100]);
    expect(allocate(MAX, [1e300, 1e300])).toEqual([4503599627370496, 4503599627370495]);
  });

  it.each([
    [[], 'no_weights'],
    [[0], 'no_weights'],
    [[0, 0, -0], 'no_weights'],
    [[-1, 2], 'invalid_weights'],
    [[NaN, 1], 'invalid_weights'],
    [[Infinity, 1], 'invalid_weights'],
  ])('rejects weights %j with %s', (weights, code) => {
    expect(domainCode(() => allocate(100, weights))).toBe(code);
  });

  it.each([-1, 1.5, NaN, MAX + 1])('rejects total %d', (total) => {
    expect(domainCode(() => allocate(total, [1]))).toBe('invalid_amount');
  });
});

describe('allocateBasisPoints', () => {
  it.each([
    [[1, 1, 1], [3334, 3333, 3333]],
    [[1, 2], [3333, 6667]],
    [[60, 15], [8000, 2000]],
    [[0, 1], [0, 10000]],
  ])('%j → %j', (weights, expected) => {
    expect(allocateBasisPoints(weights)).toEqual(expected);
  });
});
