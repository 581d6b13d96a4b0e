import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, toMajorUnits, toMinorUnits } from '../../src/domain/money.js';

const RUNS = { numRuns: 1000 };
const total = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.maxSafeNat());
const integerWeights = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 }), fc.maxSafeNat()), { minLength: 1, maxLength: 20 })
  .filter((weights) => weights.some((weight) => weight > 0));
const doubleWeights = fc
  .array(
    fc.oneof(
      fc.constant(0),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.double({ min: 0, max: 1e-300, noNaN: true }),
    ),
    { minLength: 1, maxLength: 20 },
  )
  .filter((weights) => weights.some((weight) => weight > 0));

function sum(values: readonly number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}

/** The invariants every allocation keeps, whatever the weights. */
function expectSound(amount: number, weights: readonly number[], result: readonly number[]): void {
  expect(result).toHaveLength(weights.length);
  expect(sum(result)).toBe(amount);
  result.forEach((share, index) => {
    expect(Number.isSafeInteger(share) && share >= 0).toBe(true);
    if (weights[index] === 0) expect(share).toBe(0);
  });
  // Largest remainder is monotone: a heavier weight never gets less, and equal
  // weights differ by at most one unit, the lower index getting the extra one.
  for (let i = 0; i < weights.length; i += 1) {
    for (let j = i + 1; j < weights.length; j += 1) {
      const [wi = 0, wj = 0, ri = 0, rj = 0] = [weights[i], weights[j], result[i], result[j]];
      if (wi > wj) expect(ri).toBeGreaterThanOrEqual(rj);
      if (wi < wj) expect(ri).toBeLessThanOrEqual(rj);
      if (wi === wj) expect(ri - rj === 0 || ri - rj === 1).toBe(true);
    }
  }
}

describe('allocate properties', () => {
  it('integer weights: sound, and each share within one unit of the exact share', () => {
    fc.assert(
      fc.property(total, integerWeights, (amount, weights) => {
        const result = allocate(amount, weights);
        expectSound(amount, weights, result);
        const bigSum = weights.reduce((acc, weight) => acc + BigInt(weight), 0n);
        result.forEach((share, index) => {
          // |share - amount·w/sum| < 1, checked exactly: |share·sum - amount·w| < sum.
          const error = BigInt(share) * bigSum - BigInt(amount) * BigInt(weights[index] ?? 0);
          expect(error < bigSum && -error < bigSum).toBe(true);
        });
      }),
      RUNS,
    );
  });

  it('fractional weights: sound, and close to the exact share', () => {
    fc.assert(
      fc.property(total, doubleWeights, (amount, weights) => {
        const result = allocate(amount, weights);
        expectSound(amount, weights, result);
        const weightSum = sum(weights);
        result.forEach((share, index) => {
          const ideal = (amount * (weights[index] ?? 0)) / weightSum;
          expect(Math.abs(share - ideal)).toBeLessThan(1 + ideal * 1e-9);
        });
      }),
      RUNS,
    );
  });

  it('depends only on the ratios of the weights', () => {
    fc.assert(
      fc.property(total, doubleWeights, fc.integer({ min: 1, max: 64 }), (amount, weights, power) => {
        const scaled = weights.map((weight) => weight * 2 ** power); // exact in binary floating point
        expect(allocate(amount, scaled)).toEqual(allocate(amount, weights));
      }),
      RUNS,
    );
  });

  it('toMinorUnits(toMajorUnits(m)) === m up to 15 significant digits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }),
        fc.constantFrom('USD', 'JPY', 'BHD'),
        (minor, currency) => {
          expect(toMinorUnits(toMajorUnits(minor, currency), currency)).toBe(minor);
        },
      ),
      RUNS,
    );
  });
});
