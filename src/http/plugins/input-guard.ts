import fp from 'fastify-plugin';
import { AppError, type FieldError } from '../../errors.js';

/** Keys that would reach an object's prototype if any code ever assigned them. */
export const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * No request value nests deeper than this. Named fields have tighter limits of their own
 * (`metadata`: 32); this one keeps every recursive step (hashing, serialising) off the stack limit.
 */
export const MAX_REQUEST_DEPTH = 64;

// Unicode control characters except tab and newline, and UTF-16 halves that are not text at all.
const CONTROL = /(?![\t\n])\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Checks every key and string of the body, query string and path before any schema sees them:
 * control characters (PostgreSQL refuses NUL where SQLite stores it: the same input must get the
 * same answer on both), prototype-polluting keys, and nesting depth. Each failure names its field.
 */
export const inputGuardPlugin = fp(
  async (app) => {
    app.addHook('preValidation', (request, _reply, done) => {
      const errors: FieldError[] = [];
      inspect(request.params, [], errors);
      inspect(request.query, [], errors);
      inspect(request.body, [], errors);
      if (errors.length === 0) return done();
      const first = errors[0]!;
      done(new AppError('validation_failed', `${first.path || 'body'}: ${first.message}`, errors));
    });
  },
  { name: 'input-guard' },
);

/** Why a text is refused, or undefined when it is fine. */
export function textProblem(text: string): string | undefined {
  if (CONTROL.test(text)) return 'must not contain control characters (only tab and newline are allowed, where free text is)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text';
  return undefined;
}

function inspect(value: unknown, path: string[], errors: FieldError[]): void {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) errors.push({ path: path.join('/'), message: problem });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (path.length >= MAX_REQUEST_DEPTH) {
    errors.push({ path: path.join('/'), message: `nests more than ${MAX_REQUEST_DEPTH} levels deep` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => inspect(item, [...path, String(index)], errors));
    return;
  }
  for (const key of Object.keys(value)) {
    const keyPath = [...path, key];
    if ((FORBIDDEN_KEYS as readonly string[]).includes(key)) {
      errors.push({ path: keyPath.join('/'), message: `'${key}' is not allowed as a key` });
      continue;
    }
    const problem = textProblem(key);
    if (problem) {
      errors.push({ path: [...path, JSON.stringify(key)].join('/'), message: `key ${problem}` });
      continue;
    }
    inspect((value as Record<string, unknown>)[key], keyPath, errors);
  }
}
