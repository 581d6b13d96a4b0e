import { randomBytes } from 'node:crypto';
import { minorUnitsToDecimal, toMinorUnits } from '../domain/money.js';

// Unguessable per process, so no client-supplied string can pass for one.
const MARK = `~decimal-${randomBytes(12).toString('hex')}~`;
const MARKED = new RegExp(`"${MARK}(-?\\d+(?:\\.\\d+)?)${MARK}"`, 'g');

/**
 * A JSON number written with exactly these digits. `JSON.stringify` cannot print a number a double
 * does not hold; the response serializer replaces the marked string it produces by the bare digits.
 */
class JsonDecimal {
  constructor(readonly digits: string) {}
  toJSON(): string {
    return `${MARK}${this.digits}${MARK}`;
  }
}

/**
 * Minor units as a major-unit JSON number, exact at any size: a plain number while a double prints
 * it back to the minor unit, otherwise a {@link JsonDecimal} with the exact digits. Typed `number`
 * because that is what the client receives, and what the response schemas say.
 * @example majorUnitsJson(123456n, 'USD') // 1234.56
 * @example JSON.stringify(majorUnitsJson(1009999999999899n, 'USD')) // a JSON number 10099999999998.99, after the serializer
 */
export function majorUnitsJson(minor: bigint | number, currency: string): number {
  const digits = minorUnitsToDecimal(minor, currency);
  const value = Number(digits);
  const back = toMinorUnits(value, currency);
  if (back !== undefined && BigInt(back) === BigInt(minor)) return value;
  return new JsonDecimal(digits) as unknown as number;
}

/** The serialized JSON with every {@link JsonDecimal} as its bare digits. */
export const unwrapJsonDecimals = (json: string): string => (json.includes(MARK) ? json.replace(MARKED, '$1') : json);

/** For the schema check: the value as the client will parse it (a double). */
export const reviveJsonDecimals = (_key: string, value: unknown): unknown =>
  typeof value === 'string' && value.startsWith(MARK) ? Number(value.slice(MARK.length, -MARK.length)) : value;
