/**
 * Stable, machine-readable error codes. Services throw `AppError`; the HTTP layer maps each
 * code to a status and a problem+json body (src/http/problem.ts).
 */
export const ERROR_CODES = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'deal_not_won',
  'payload_too_large',
  'uri_too_long',
  'unsupported_media_type',
  'partner_not_found',
  'rate_limited',
  'headers_too_large',
  'internal',
  'unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  /** Slash-separated location in the request, e.g. `events/3/partner_id`. */
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string) => new AppError('not_found', `${what} '${id}' does not exist`);

export const invalidField = (path: string, message: string) =>
  new AppError('validation_failed', `${path}: ${message}`, [{ path, message }]);

export const partnerNotFound = (partnerId: string, path = 'partner_id') =>
  new AppError('partner_not_found', `Partner '${partnerId}' does not exist`, [
    { path, message: `no partner with id '${partnerId}'` },
  ]);
