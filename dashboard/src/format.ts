/** The browser's time zone, shown next to every date so nobody wonders which one it is. */
export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** `1234.5, 'EUR'` → `€1,234.50` in the browser's locale, with the currency's own decimals. */
export function formatMoney(amount: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format.format(amount);
}

/** The minor units of `currency` as money: `1, 'EUR'` → `€0.01`, `1, 'JPY'` → `¥1`. */
export function formatMinorUnits(units: number, currency: string): string {
  const digits = new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return formatMoney(units / 10 ** digits, currency);
}

/**
 * An exact decimal string as money with every digit it has: `'33.3333…', 'USD'` → `$33.3333…`.
 * Formatted from the string, so no digit passes through a float.
 */
export function formatExactMoney(exact: string, currency: string): string {
  const cut = exact.endsWith('…');
  const digits = exact.replace('…', '');
  const decimals = digits.split('.')[1]?.length ?? 0;
  const base = new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().minimumFractionDigits ?? 2;
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency, minimumFractionDigits: base, maximumFractionDigits: Math.min(100, Math.max(base, decimals)) });
  return `${format.format(digits as `${number}`)}${cut ? '…' : ''}`;
}

/** Short money for chart axes: `€1.2M`. */
export function formatMoneyCompact(amount: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 }).format(amount);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));
export const formatDate = (iso: string) => dateOnly.format(new Date(iso));

export const formatPercent = (value: number) => `${new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value)} %`;

export const formatCount = (value: number) => new Intl.NumberFormat().format(value);

/** `'2024-01'` (a UTC month) → `Jan 2024`. */
export function formatMonth(month: string): string {
  const [year, index] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(year!, index! - 1, 1));
}

const utcDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** A UTC calendar day as the API writes it (`'2024-01-31'`, a payout period's bound) → `Jan 31, 2024`, the same day in every zone. */
export const formatDay = (day: string) => utcDay.format(new Date(`${day}T00:00:00Z`));

/** A payout period's days, both inclusive: `Jan 1 – 31, 2024`. */
export const formatDays = (start: string, end: string) => utcDay.formatRange(new Date(`${start}T00:00:00Z`), new Date(`${end}T00:00:00Z`));

/** A local calendar day (`2024-01-15`) as the instant its first or last millisecond falls on, in the browser's zone. */
export function localDayBound(day: string, end: 'start' | 'end'): string {
  const [year, month, date] = day.split('-').map(Number);
  const instant = end === 'start' ? new Date(year!, month! - 1, date!) : new Date(year!, month! - 1, date!, 23, 59, 59, 999);
  return instant.toISOString();
}
