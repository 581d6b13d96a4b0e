import { formatDays } from '../format';
import type { Page, PayoutPeriod } from '../types';
import { useApi } from '../use-api';

/** Every view asks for the periods by the same path, so the session's cache answers all but the first. */
const PERIODS_PATH = '/payout-periods?limit=1000';

/** The payout periods, newest first (the API's order); a partner-bound key may list them too. */
export const usePayoutPeriods = () => useApi<Page<PayoutPeriod>>(PERIODS_PATH);

/** The instant the API allows the lock from: once the day after `end_date` has begun, in UTC. */
export const lockableFrom = (period: { end_date: string }) => Date.parse(`${period.end_date}T00:00:00Z`) + 86_400_000;

/** `Jan 1 – 31, 2024`, or the id when the period is not among those listed. */
export function periodName(periods: readonly PayoutPeriod[] | undefined, id: string): string {
  const period = periods?.find((candidate) => candidate.id === id);
  return period ? formatDays(period.start_date, period.end_date) : id;
}

export const STATUS_LABELS: Record<PayoutPeriod['status'], string> = { open: 'Open', locked: 'Locked', paid: 'Paid' };
