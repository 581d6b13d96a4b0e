import { localDayBound } from '../format';
import type { Filters } from '../router';

/** The API's query parameters for `filters`: each local day bound as the instant it starts or ends. */
export function periodParams(filters: Filters): Record<string, string | undefined> {
  return {
    start_date: filters.from ? localDayBound(filters.from, 'start') : undefined,
    end_date: filters.to ? localDayBound(filters.to, 'end') : undefined,
    currency: filters.currency || undefined,
  };
}
