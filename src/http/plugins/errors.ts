import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDomainError } from '../../domain/errors.js';
import { AppError, type ErrorCode, type FieldError } from '../../errors.js';
import { classifyDatabaseError, type DatabaseFailure } from '../../storage/availability.js';
import { codeForStatus, PROBLEM_CONTENT_TYPE, PROBLEMS, problemBody, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../problem.js';

/** Fastify's own client errors, by their code, in our catalogue's terms. */
const FRAMEWORK_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_VALIDATION: 'validation_failed',
};

const internalDetail = (requestId: string) => `Something went wrong; quote request id ${requestId} when reporting it`;

/**
 * The one place errors become responses, in three tiers: ours (AppError), the framework's
 * (validation, body parsing), and anything else → 500 with nothing but a request id leaked.
 * Errors raised before routing (bad URL encoding, an over-long URL) are in ../framework-errors.ts.
 */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      if (error instanceof AppError && error.code === 'internal') {
        request.log.error({ err: error, detail: error.detail }, 'internal error');
        return sendProblem(reply, 'internal', internalDetail(request.id));
      }
      if (error instanceof AppError) return sendProblem(reply, error.code, error.detail, error.errors);

      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors = error.validation.flatMap(fieldErrorsOf);
        return sendProblem(reply, 'validation_failed', describe(errors), errors);
      }

      // Services validate before calling the domain; these two can still come from settings or currency input.
      if (isDomainError(error, 'invalid_options') || isDomainError(error, 'invalid_currency')) {
        return sendProblem(reply, 'validation_failed', error.message);
      }

      const frameworkCode = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
      if (frameworkCode) return sendProblem(reply, frameworkCode, frameworkDetail(error));

      // An outage, not a bug: no stack per request (the database monitor logs the change once).
      const failure = classifyDatabaseError(error);
      if (failure) return sendProblem(reply, 'unavailable', UNAVAILABLE_DETAIL[failure]);

      // A plugin's own client error (a 4xx it chose): keep its status, in our format.
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) return sendProblem(reply, codeForStatus(status), error.message);

      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(reply, 'internal', internalDetail(request.id));
    });

    // The last net: an error answer a plugin wrote as text (a bad CORS preflight is text/plain)
    // is rewritten as problem+json with the same status. JSON answers are a route's own design.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode < 400 || isJson(reply)) return done(null, payload);
      if (payload !== null && typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
      const text = payload === null ? '' : payload.toString();
      const code = codeForStatus(reply.statusCode);
      reply.type(PROBLEM_CONTENT_TYPE);
      const detail = code === 'internal' ? internalDetail(request.id) : plainDetail(text) ?? PROBLEMS[code].title;
      done(null, JSON.stringify({ ...problemBody(code, detail), status: reply.statusCode }));
    });
  },
  { name: 'errors' },
);

const UNAVAILABLE_DETAIL: Record<DatabaseFailure, string> = {
  unavailable: 'The database is not answering; retry after the Retry-After delay',
  writes_refused: 'The database cannot store anything right now (disk full or read-only); retry later',
};

const isJson = (reply: FastifyReply) => /^application\/([a-z.+-]*\+)?json/.test(String(reply.getHeader('content-type') ?? ''));

/** A short plain-text message is worth passing on ("Invalid Preflight Request"); JSON or HTML is not. */
function plainDetail(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed && trimmed.length <= 200 && !/^[{[<]/.test(trimmed) ? trimmed : undefined;
}

export function sendProblem(reply: FastifyReply, code: ErrorCode, detail: string, errors?: readonly FieldError[]) {
  if (code === 'unavailable') reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  return reply
    .code(PROBLEMS[code].status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(code, detail, errors));
}

function describe(errors: readonly FieldError[]): string {
  const first = errors[0];
  if (!first) return 'The request is invalid';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.path || 'body'}: ${first.message}${more}`;
}

function frameworkDetail(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'The body is not valid JSON';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The body is empty; send a JSON object';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The body is larger than the server accepts (BODY_LIMIT)';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Send the body as application/json';
    default:
      return error.message;
  }
}


interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string | undefined;
  params: Record<string, unknown>;
}

/** A Zod issue as field errors; an unknown key names the key itself, so a typo is easy to spot. */
function fieldErrorsOf(issue: ValidationIssue): FieldError[] {
  const base = issue.instancePath.split('/').filter(Boolean);
  if (issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params.keys)) {
    return issue.params.keys.map((key) => ({ path: [...base, String(key)].join('/'), message: 'unknown field' }));
  }
  return [{ path: base.join('/'), message: issue.message ?? 'invalid' }];
}
