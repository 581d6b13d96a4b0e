import { DomainError } from './errors.js';
import { toExactIntegers } from './exact-weights.js';

// Every ISO 4217 code Intl.supportedValuesOf('currency') lists on Node 20 (ICU 78, CLDR 48), by
// the minor-unit digits Intl.NumberFormat formats it with. A table instead of
// asking Intl: the first currency NumberFormat maps about 5 MB of ICU's data into the process for
// good, and supportedValuesOf 1.6 MB more, 7 MB of the server's RSS against issue 7's 150 MB
// (docs/decisions.md, "Runtime"). test/domain/money.test.ts holds the table to the runtime's Intl.
const ZERO_DIGIT_CURRENCIES =
  'AFN ALL BIF CLP COP DJF GNF HUF IDR IQD IRR ISK JPY KMF KPW KRW LAK LBP MGA MMK PKR PYG RWF SLL SOS SYP UGX VND VUV XAF XOF XPF YER';
const TWO_DIGIT_CURRENCIES =
  'AED AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY CRC CUC CUP CVE CZK DKK ' +
  'DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HRK HTG ILS INR JMD KES KGS KHR KYD KZT LKR LRD LSL MAD ' +
  'MDL MKD MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PLN QAR RON RSD RUB SAR SBD SCR SDG SEK ' +
  'SGD SHP SLE SRD SSP STN SVC SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG XDR XSU ZAR ZMW ZWG ZWL';
const THREE_DIGIT_CURRENCIES = 'BHD JOD KWD LYD OMR TND';

const digitsByCurrency = new Map<string, number>();
for (const [codes, digits] of [[ZERO_DIGIT_CURRENCIES, 0], [TWO_DIGIT_CURRENCIES, 2], [THREE_DIGIT_CURRENCIES, 3]] as const) {
  for (const code of codes.split(' ')) digitsByCurrency.set(code, digits);
}

/**
 * Whether `code` is an upper-case ISO 4217 code this service knows.
 *
 * @example
 * isCurrencyCode('USD'); // true
 * isCurrencyCode('usd'); // false
 */
export function isCurrencyCode(code: string): boolean {
  return digitsByCurrency.has(code);
}

/**
 * Number of minor-unit digits of a currency, as Intl formats it.
 * Throws `DomainError('invalid_currency')` for a code {@link isCurrencyCode} rejects.
 *
 * @example
 * currencyDigits('USD'); // 2
 * currencyDigits('JPY'); // 0
 * currencyDigits('BHD'); // 3
 */
export function currencyDigits(currency: string): number {
  const digits = digitsByCurrency.get(currency);
  if (digits === undefined) throw new DomainError('invalid_currency', `unknown currency code: ${JSON.stringify(currency)}`);
  return digits;
}

/**
 * The largest amount a deal may have, in minor units: 10^13 (100 000 000 000.00 USD, 10^13 JPY).
 * At 14 digits every amount up to it is a double that prints back exactly to the minor unit in
 * every currency (0 to 4 decimals), and SQL's 64-bit integer sums of it cannot overflow below
 * 922 337 such deals in one figure.
 */
export const MAX_AMOUNT_MINOR = 10_000_000_000_000;

/**
 * {@link MAX_AMOUNT_MINOR} in major units of `currency`.
 * @example maxAmount('USD') // 100000000000
 * @example maxAmount('JPY') // 10000000000000
 */
export function maxAmount(currency: string): number {
  return MAX_AMOUNT_MINOR / 10 ** currencyDigits(currency);
}

/**
 * Minor units as an exact fixed-point decimal string in major units, for any size of integer
 * (sums of many deals outgrow a double).
 * @example minorUnitsToDecimal(123405n, 'USD')  // '1234.05'
 * @example minorUnitsToDecimal(-5, 'BHD')       // '-0.005'
 * @example minorUnitsToDecimal(3333, 2)        // '33.33' (basis points as a percentage)
 */
export function minorUnitsToDecimal(minor: bigint | number, currencyOrDigits: string | number): string {
  const digits = typeof currencyOrDigits === 'number' ? currencyOrDigits : currencyDigits(currencyOrDigits);
  const value = BigInt(minor);
  const sign = value < 0n ? '-' : '';
  const text = (value < 0n ? -value : value).toString().padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

// Every finite number's toString() has this shape: "-1234.56", "1e-7", "1.5e+21".
const NUMBER_STRING = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * Converts an amount in major units (as parsed from JSON) to integer minor units,
 * exactly: it reads the number's shortest decimal form instead of multiplying floats.
 * Returns `undefined` when the amount has more decimals than the currency allows,
 * is not finite, or does not fit a safe integer of minor units.
 *
 * @example
 * toMinorUnits(1234.56, 'USD'); // 123456
 * toMinorUnits(19.99, 'USD');   // 1999 (19.99 * 100 is 1998.9999999999998)
 * toMinorUnits(10.005, 'USD');  // undefined
 * toMinorUnits(1.5, 'JPY');     // undefined
 */
export function toMinorUnits(amount: number, currency: string): number | undefined {
  const digits = currencyDigits(currency);
  if (!Number.isFinite(amount)) return undefined;
  const match = NUMBER_STRING.exec(amount.toString());
  if (match === null) return undefined;
  const [, sign = '', integer = '', fraction = '', exponent = '0'] = match;
  const mantissa = BigInt(integer + fraction);
  const scale = Number(exponent) - fraction.length + digits;
  let minor: bigint;
  if (scale >= 0) {
    minor = mantissa * 10n ** BigInt(scale);
  } else {
    const divisor = 10n ** BigInt(-scale);
    if (mantissa % divisor !== 0n) return undefined;
    minor = mantissa / divisor;
  }
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  if (minor === 0n) return 0;
  return sign === '-' ? -Number(minor) : Number(minor);
}

/**
 * Converts integer minor units back to a major-unit number for JSON output: the double nearest
 * the exact decimal, so it prints without float noise. Dividing by 10^digits gives that double:
 * both operands are exact and IEEE division rounds correctly, as parsing the decimal string does
 * (property-tested against it), without building the string on every response.
 * Up to 15 significant digits (|minor| < 10^15) it round-trips through
 * {@link toMinorUnits}; beyond that a double cannot hold every minor unit.
 * Throws `DomainError('invalid_amount')` when `minor` is not a safe integer.
 *
 * @example
 * toMajorUnits(123456, 'USD'); // 1234.56
 * toMajorUnits(5, 'BHD');      // 0.005
 * toMajorUnits(500, 'JPY');    // 500
 */
export function toMajorUnits(minor: number, currency: string): number {
  const digits = currencyDigits(currency);
  if (!Number.isSafeInteger(minor)) {
    throw new DomainError('invalid_amount', `minor units must be a safe integer, got ${minor}`);
  }
  if (minor === 0) return 0;
  return digits === 0 ? minor : minor / 10 ** digits;
}

/**
 * Splits a non-negative integer `total` in proportion to `weights` by the
 * largest-remainder method: floor every exact share, then hand the leftover
 * units one by one to the largest fractional remainders, ties to the lower index.
 * The result sums exactly to `total`; a zero weight always gets 0.
 *
 * The arithmetic is exact (BigInt), also for fractional weights, so the outcome
 * never depends on float rounding. Throws `DomainError('no_weights')` when
 * `weights` is empty or all zero; the caller decides the fallback.
 *
 * @example
 * allocate(10000, [1, 1, 1]); // [3334, 3333, 3333]
 * allocate(100, [0, 3, 1]);   // [0, 75, 25]
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new DomainError('invalid_amount', `total must be a non-negative safe integer, got ${total}`);
  }
  const exact = toExactIntegers(weights);
  const sum = exact.reduce((acc, weight) => acc + weight, 0n);
  if (sum === 0n) {
    throw new DomainError('no_weights', 'cannot allocate over weights that are empty or all 0');
  }
  const bigTotal = BigInt(total);
  const floors = exact.map((weight) => (bigTotal * weight) / sum);
  // Remainders share the denominator `sum`, so comparing numerators is exact.
  const remainders = exact.map((weight) => (bigTotal * weight) % sum);
  const leftover = Number(bigTotal - floors.reduce((acc, share) => acc + share, 0n));
  const byRemainder = remainders
    .map((_, index) => index)
    .sort((a, b) => compareBigDescending(remainders[a] ?? 0n, remainders[b] ?? 0n) || a - b);
  const result = floors.map(Number);
  for (const index of byRemainder.slice(0, leftover)) {
    result[index] = (result[index] ?? 0) + 1;
  }
  return result;
}

/**
 * Percentages in basis points (hundredths of a percent) that sum exactly to
 * 10000: `allocate(10000, weights)`. Divide by 100 for a 2-decimal percentage.
 *
 * @example
 * allocateBasisPoints([1, 1, 1]); // [3334, 3333, 3333] → 33.34 %, 33.33 %, 33.33 %
 */
export function allocateBasisPoints(weights: readonly number[]): number[] {
  return allocate(10_000, weights);
}

function compareBigDescending(a: bigint, b: bigint): number {
  return a > b ? -1 : a < b ? 1 : 0;
}
