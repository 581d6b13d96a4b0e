const DAY_MS = 86_400_000;
// Years 0000–9999: where toISOString writes four year digits and no sign.
const FIRST_FOUR_DIGIT_MS = Date.parse('0000-01-01T00:00:00.000Z');
const AFTER_FOUR_DIGIT_MS = Date.parse('+010000-01-01T00:00:00.000Z');
const MAX_CACHED_DAYS = 4096;

const pad = (value: number, width: number) => String(value).padStart(width, '0');
const TWO_DIGITS = Array.from({ length: 60 }, (_, value) => pad(value, 2));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, value) => pad(value, 3));
const dayPrefixes = new Map<number, string>();

/**
 * `new Date(epochMs).toISOString()`, the same text, without a Date per call: the date part is
 * kept per day and the time is put together from tables. A page of 50 partners formats 100
 * timestamps, which took 9 % of GET /partners' CPU (docs/benchmark-history.md).
 * @example formatIsoTimestamp(1705762800000) // '2024-01-20T15:00:00.000Z'
 */
export function formatIsoTimestamp(epochMs: number): string {
  if (!Number.isInteger(epochMs) || epochMs < FIRST_FOUR_DIGIT_MS || epochMs >= AFTER_FOUR_DIGIT_MS) {
    return new Date(epochMs).toISOString();
  }
  const day = Math.floor(epochMs / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size >= MAX_CACHED_DAYS) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const msOfDay = epochMs - day * DAY_MS;
  const seconds = Math.floor(msOfDay / 1000);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  return `${prefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes % 60]}:${TWO_DIGITS[seconds % 60]}.${THREE_DIGITS[msOfDay % 1000]}Z`;
}
