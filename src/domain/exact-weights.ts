import { DomainError } from './errors.js';

/**
 * Turns non-negative finite weights into BigInts with exactly the same ratios,
 * so proportional splits can be computed without float rounding.
 *
 * Safe integers are taken as they are. Otherwise every double is m·2^e with an
 * integer m, so scaling all weights by 2^-(smallest e) makes each an exact
 * integer (at most ~1100 bits, cheap for BigInt).
 *
 * @example
 * toExactIntegers([2, 3]);     // [2n, 3n]
 * toExactIntegers([0.5, 1.5]); // [1n, 3n]
 */
export function toExactIntegers(weights: readonly number[]): bigint[] {
  for (const weight of weights) {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new DomainError('invalid_weights', `weights must be finite and >= 0, got ${weight}`);
    }
  }
  if (weights.every((weight) => Number.isSafeInteger(weight))) {
    return weights.map((weight) => BigInt(weight));
  }
  const parts = weights.map(splitDouble);
  const minExponent = parts.reduce(
    (min, { mantissa, exponent }) => (mantissa === 0n ? min : Math.min(min, exponent)),
    0,
  );
  return parts.map(({ mantissa, exponent }) =>
    mantissa === 0n ? 0n : mantissa << BigInt(exponent - minExponent),
  );
}

interface DoubleParts {
  mantissa: bigint;
  exponent: number;
}

const scratch = new DataView(new ArrayBuffer(8));

/** Exact decomposition of a non-negative finite double into mantissa · 2^exponent. */
function splitDouble(value: number): DoubleParts {
  scratch.setFloat64(0, value);
  const bits = scratch.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // Subnormals (and zero) have no implicit leading 1 and a fixed exponent.
  if (biasedExponent === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biasedExponent - 1075 };
}
