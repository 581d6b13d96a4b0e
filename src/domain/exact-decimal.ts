/**
 * Greatest common divisor of two non-negative BigInts.
 *
 * @example
 * gcd(12n, 18n); // 6n
 */
export function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a, b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * The fraction `numerator / denominator` (both ≥ 0, denominator > 0) divided
 * by 10^`scaleDigits`, as a decimal string. Exact when the expansion ends
 * within `maxFractionDigits` digits; otherwise cut there and marked with `…`
 * (the exact value is the fraction itself).
 *
 * @example
 * formatRational(10n, 4n, 0);     // '2.5'
 * formatRational(100000n, 3n, 2, 4); // '333.3333…'
 * formatRational(5n, 1n, 2);      // '0.05'
 */
export function formatRational(
  numerator: bigint,
  denominator: bigint,
  scaleDigits: number,
  maxFractionDigits = 12,
): string {
  const scaled = denominator * 10n ** BigInt(scaleDigits);
  const whole = numerator / scaled;
  let remainder = numerator % scaled;
  let fraction = '';
  while (remainder !== 0n && fraction.length < maxFractionDigits) {
    remainder *= 10n;
    fraction += String(remainder / scaled);
    remainder %= scaled;
  }
  if (fraction === '') return String(whole);
  return `${whole}.${fraction}${remainder === 0n ? '' : '…'}`;
}
