import { z } from 'zod';
import type { FitHead } from '../storage/attribution-fits.js';
import { idSchema, isoTimestamp, toIso } from './schemas.js';

/** Schemas the attribution, explanation and model routes share. */

export const dealParams = z.object({ dealId: idSchema });

export const halfLifeDaysQuery = z.coerce
  .number()
  .positive()
  .max(36_500)
  .optional()
  .describe("Overrides the settings' half-life for this request (time-decay); the answer is computed, not stored");

export const MAX_LOOKBACK_DAYS = 36_500;

export const lookbackDaysQuery = z
  .union([z.literal('none'), z.coerce.number().min(0).max(MAX_LOOKBACK_DAYS)])
  .transform((value) => (value === 'none' ? null : value))
  .optional()
  .describe(
    "Overrides the settings' lookback window for this request: days (>= 0), or `none` for no window. " +
      'The answer is computed, not stored; a data-driven model keeps its stored fit (see `fit.lookback_days`).',
  );

export const fitSchema = z
  .object({
    version: z.number().int(),
    fitted_at: isoTimestamp,
    won_deals: z.number().int(),
    lost_deals: z.number().int(),
    lookback_days: z.number().nullable().describe('The lookback window the fit was made with; null: none'),
  })
  .describe('The fit a data-driven answer was computed with')
  .meta({ id: 'Fit' });

export function toFit(head: FitHead) {
  return {
    version: head.version,
    fitted_at: toIso(head.fitted_at),
    won_deals: head.won_deals,
    lost_deals: head.lost_deals,
    lookback_days: head.lookback_days,
  };
}
