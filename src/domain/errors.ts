/**
 * The closed catalogue of codes the domain throws. The HTTP layer maps them
 * centrally; most mean a caller broke a precondition (a bug or bad settings).
 */
export const DOMAIN_ERROR_CODES = [
  'invalid_amount',
  'invalid_currency',
  'invalid_weights',
  'no_weights',
  'invalid_options',
  'invalid_touchpoint',
  'invalid_deal',
  'unknown_model',
  'model_not_fitted',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/**
 * The one error class of the domain: a stable `code` plus a human message.
 *
 * @example
 * throw new DomainError('no_weights', 'allocate: every weight is 0');
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Narrows an unknown thrown value, optionally to one code. */
export function isDomainError(error: unknown, code?: DomainErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
