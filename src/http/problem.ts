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
  conflict: { status: 409, title: 'Conflict' },
  deal_not_won: { status: 409, title: 'Deal is not won' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  partner_not_found: { status: 422, title: 'Partner not found' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

/** What a 503 `unavailable` tells clients to wait before retrying: about one database failover. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
}

export function problemBody(code: ErrorCode, detail: string, errors?: readonly FieldError[]): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return {
    type: `https://partner-attribution.dev/problems/${code.replaceAll('_', '-')}`,
    title,
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors: [...errors] } : {}),
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
      errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
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
