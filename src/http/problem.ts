import { z } from 'zod';
import type { ErrorCode, FieldError } from '../errors.js';

/**
 * Status and title for every error code. Runtime bodies and the documented OpenAPI responses
 * both come from this table.
 */
export const PROBLEMS: Record<ErrorCode, { status: number; title: string }> = {
  validation_failed: { status: 400, title: 'Invalid request' },
  unauthorized: { status: 401, title: 'Missing or invalid API key' },
  forbidden: { status: 403, title: 'API key lacks the required scope' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  deal_not_won: { status: 409, title: 'Deal is not won' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  partner_not_found: { status: 422, title: 'Partner not found' },
  rate_limited: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'Request headers too large' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

/** What a 503 `unavailable` tells clients to wait before retrying: about one database failover. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The catalogue code for an HTTP status the framework or a plugin chose on its own, so that even
 * an error we did not foresee answers with our problem+json and a stable code.
 */
export function codeForStatus(status: number): ErrorCode {
  const exact = (Object.keys(PROBLEMS) as ErrorCode[]).find(
    (code) => PROBLEMS[code].status === status && code !== 'deal_not_won' && code !== 'partner_not_found',
  );
  if (exact) return exact;
  return status >= 500 ? 'internal' : 'validation_failed';
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  /** How many field errors were left out of `errors` (it lists at most {@link MAX_FIELD_ERRORS}). */
  errors_omitted?: number;
}

/** A batch of 1000 bad items must not answer with a body of 1000 errors; the first 100 show where to look. */
export const MAX_FIELD_ERRORS = 100;

export function problemBody(code: ErrorCode, detail: string, errors?: readonly FieldError[]): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return {
    type: `https://partner-attribution.dev/problems/${code.replaceAll('_', '-')}`,
    title,
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors: errors.slice(0, MAX_FIELD_ERRORS) } : {}),
    ...(errors && errors.length > MAX_FIELD_ERRORS ? { errors_omitted: errors.length - MAX_FIELD_ERRORS } : {}),
  };
}

const problemSchema = (codes: readonly ErrorCode[]) =>
  z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      detail: z.string(),
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      errors: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .max(MAX_FIELD_ERRORS)
        .optional(),
      errors_omitted: z.number().int().optional().describe(`Field errors beyond the first ${MAX_FIELD_ERRORS}`),
    })
    .describe(`Problem details (RFC 9457); code: ${codes.join(', ')}`);

/**
 * OpenAPI response schemas for the given codes, grouped by status, plus the ones any route can answer.
 * @example problemResponses('not_found', 'conflict') // { 400: …, 404: …, 409: …, 429: …, 500: …, 503: … }
 */
export function problemResponses(...codes: ErrorCode[]): Record<number, z.ZodType> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, 'validation_failed', 'rate_limited', 'internal', 'unavailable'] as ErrorCode[]) {
    const status = PROBLEMS[code].status;
    const list = byStatus.get(status) ?? [];
    if (!list.includes(code)) list.push(code);
    byStatus.set(status, list);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, problemSchema(list)]));
}
