/**
 * The time buckets the analytics rollups are kept in (UTC days and months), and how a period
 * splits into whole buckets, read from the rollups, and ragged edges, read from the rows.
 */

export const DAY_MS = 86_400_000;

/** Epoch day: whole days since 1970-01-01 UTC. */
export const dayOf = (epochMs: number) => Math.floor(epochMs / DAY_MS);
export const dayStart = (day: number) => day * DAY_MS;

/** Month number: year × 12 + month index (0 = January), in UTC. */
export function monthOf(epochMs: number): number {
  const date = new Date(epochMs);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

export function monthStart(month: number): number {
  const year = Math.floor(month / 12);
  // Not Date.UTC: it reads years 0-99 as 1900-1999.
  return new Date(0).setUTCFullYear(year, month - year * 12, 1);
}

/** UTC calendar year. */
export const yearOf = (epochMs: number) => new Date(epochMs).getUTCFullYear();

export function yearStart(year: number): number {
  // Not Date.UTC: it reads years 0-99 as 1900-1999.
  return new Date(0).setUTCFullYear(year, 0, 1);
}

/** @example monthLabel(monthOf(Date.parse('2024-01-15T00:00:00Z'))) // '2024-01' */
export function monthLabel(month: number): string {
  const year = Math.floor(month / 12);
  return `${String(year).padStart(4, '0')}-${String(month - year * 12 + 1).padStart(2, '0')}`;
}

/** Inclusive epoch-millisecond bounds; an absent bound is open. */
export interface Period {
  from?: number | undefined;
  to?: number | undefined;
}

export interface BucketScheme {
  of: (epochMs: number) => number;
  start: (bucket: number) => number;
}

export const DAYS: BucketScheme = { of: dayOf, start: dayStart };
export const MONTHS: BucketScheme = { of: monthOf, start: monthStart };
export const YEARS: BucketScheme = { of: yearOf, start: yearStart };

export interface PeriodSplit {
  /** The whole buckets inside the period (bounds inclusive, absent = open), or null when there are none. */
  buckets: { first?: number | undefined; last?: number | undefined } | null;
  /** The parts of the period outside whole buckets, as inclusive millisecond ranges. */
  edges: { from: number; to: number }[];
}

/**
 * Splits a period into whole buckets and the edges around them.
 *
 * @example
 * // 2024-01-15T00:00Z … 2024-03-31T23:59:59.999Z in months:
 * // buckets February–March, one edge 2024-01-15T00:00Z … 2024-01-31T23:59:59.999Z
 */
export function splitPeriod(period: Period, scheme: BucketScheme): PeriodSplit {
  const { from, to } = period;
  const first = from === undefined ? undefined : scheme.start(scheme.of(from)) === from ? scheme.of(from) : scheme.of(from) + 1;
  const last = to === undefined ? undefined : scheme.start(scheme.of(to) + 1) - 1 === to ? scheme.of(to) : scheme.of(to) - 1;
  if (first !== undefined && last !== undefined && first > last) {
    return { buckets: null, edges: from !== undefined && to !== undefined && from <= to ? [{ from, to }] : [] };
  }
  const edges: PeriodSplit['edges'] = [];
  if (from !== undefined && first !== undefined && from < scheme.start(first)) edges.push({ from, to: scheme.start(first) - 1 });
  if (to !== undefined && last !== undefined && to > scheme.start(last + 1) - 1) edges.push({ from: scheme.start(last + 1), to });
  return { buckets: { first, last }, edges };
}
