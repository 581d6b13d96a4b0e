const DAY_MS = 86_400_000;

/** A period's instants: `startsAt` inclusive, `endsAt` exclusive (epoch ms, UTC). */
export interface PeriodRange {
  startsAt: number;
  endsAt: number;
}

/**
 * The instants of whole UTC days `startDate`..`endDate` (both `YYYY-MM-DD`, inclusive).
 * @example periodRange('2024-01-01', '2024-01-31') // { startsAt: Date.UTC(2024, 0, 1), endsAt: Date.UTC(2024, 1, 1) }
 */
export function periodRange(startDate: string, endDate: string): PeriodRange {
  return { startsAt: Date.parse(`${startDate}T00:00:00.000Z`), endsAt: Date.parse(`${endDate}T00:00:00.000Z`) + DAY_MS };
}

/** The first of `periods` whose range contains the instant, if any. */
export function periodContaining<P extends PeriodRange>(periods: readonly P[], at: number): P | undefined {
  return periods.find((period) => period.startsAt <= at && at < period.endsAt);
}
