import { z } from 'zod';
import { MODEL_NAMES } from '../domain/attribution/index.js';
import { isCurrencyCode } from '../domain/money.js';
import { formatIsoTimestamp } from './iso-time.js';

/** Client-supplied ids: a CRM's id is welcome. `.` and `..` are not: clients normalise them out of paths. */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9_\-.:]{1,128}$/, 'must be 1-128 characters of letters, digits, _ - . :')
  .refine((id) => id !== '.' && id !== '..', 'must not be "." or ".." (they cannot appear in a URL path)')
  .meta({ example: 'deal-123' });

/**
 * A one-line text such as a name: no control characters at all, not even tab or newline
 * (the input guard already refuses the others everywhere).
 */
export const singleLineText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((text) => !/[\t\n]/.test(text), 'must be a single line (no tab or newline)');

export const idParams = z.object({ id: idSchema });

/** An instant with a zone, as epoch milliseconds. */
export const timestampInput = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone, e.g. 2024-01-15T10:00:00Z' })
  .transform((text) => Date.parse(text))
  .meta({ example: '2024-01-15T10:00:00Z' });

const dateOnly = z.iso.date();

/** Range start: a date-time, or a date meaning the start of that day (UTC). */
export const rangeStart = z
  .union([timestampInput, dateOnly.transform((text) => Date.parse(`${text}T00:00:00.000Z`))], {
    message: 'must be a date (2024-01-15) or an ISO 8601 date-time with a zone',
  })
  .optional();

/** Range end, inclusive: a date means the whole of that day (UTC). */
export const rangeEnd = z
  .union([timestampInput, dateOnly.transform((text) => Date.parse(`${text}T23:59:59.999Z`))], {
    message: 'must be a date (2024-01-15) or an ISO 8601 date-time with a zone',
  })
  .optional();

export const dateRangeQuery = { start_date: rangeStart, end_date: rangeEnd };

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

/** The one schema for a model name, wherever one is accepted or answered. */
export const attributionModelSchema = z.enum(MODEL_NAMES).meta({ example: 'role-based' });

export const currencySchema = z
  .string()
  .refine(isCurrencyCode, 'must be an ISO 4217 currency code such as USD')
  .meta({ example: 'USD' });

/** Output timestamps: always UTC with milliseconds. */
export const isoTimestamp = z.string().meta({ example: '2024-01-20T15:00:00.000Z' });
export const toIso = formatIsoTimestamp;

export function paginated<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    pagination: z.object({ limit: z.number().int(), offset: z.number().int(), total: z.number().int() }),
  });
}

export const payoutDetailsSchema = z
  .record(z.string().min(1).max(64), z.string().max(256))
  .refine((details) => Object.keys(details).length <= 20, 'at most 20 entries')
  .meta({ example: { bank_account: '1234567890', tax_id: '12-3456789' } });
