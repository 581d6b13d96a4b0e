/**
 * Data-driven weights are handed to `allocate()` as integers in units of 10⁻⁹:
 * the fits run in floating point, and rounding there, once, keeps a last-bit
 * difference from ever deciding a cent (see docs/models.md, "Determinism").
 */
export const WEIGHT_SCALE = 1_000_000_000;

const SCALE_DIGITS = 9;

/**
 * A fitted value (a removal effect, a Shapley value) as an integer weight:
 * rounded to the nearest 10⁻⁹, negative values counting as 0.
 *
 * @example
 * toFittedWeight(0.75);          // 750000000
 * toFittedWeight(1 / 3);         // 333333333
 * toFittedWeight(-0.2);          // 0
 */
export function toFittedWeight(value: number): number {
  if (!(value > 0)) return 0;
  return Math.round(value * WEIGHT_SCALE);
}

/**
 * An integer weight in 10⁻⁹ units as the exact decimal it stands for, without trailing zeros.
 *
 * @example
 * formatFittedWeight(750000000);  // '0.75'
 * formatFittedWeight(1000000000); // '1'
 * formatFittedWeight(5);          // '0.000000005'
 */
export function formatFittedWeight(weight: number): string {
  const digits = String(weight).padStart(SCALE_DIGITS + 1, '0');
  const whole = digits.slice(0, -SCALE_DIGITS);
  const fraction = digits.slice(-SCALE_DIGITS).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}
