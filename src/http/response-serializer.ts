import { isDeepStrictEqual } from 'node:util';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import type { z } from 'zod';
import { reviveJsonDecimals, unwrapJsonDecimals } from './json-decimal.js';

/**
 * Serializes responses with `JSON.stringify`. When `checked` (development and tests), every
 * response must also match its Zod schema exactly: a missing field, a wrong type or a field the
 * schema does not declare (say, an encrypted column) fails the request. Production skips the
 * check — it cost a tenth of the CPU on list routes — and sends the very bytes the tests checked.
 */
export function createResponseSerializer(checked: boolean): FastifySerializerCompiler<z.ZodType> {
  return ({ schema, method, url }) =>
    (data) => {
      const json = JSON.stringify(data);
      if (!checked) return unwrapJsonDecimals(json);
      // Checked as the client will read it: exact large sums (./json-decimal.ts) as numbers.
      const sent: unknown = JSON.parse(json, reviveJsonDecimals);
      const parsed = schema.safeParse(sent);
      if (!parsed.success) {
        throw new Error(`Response of ${method} ${url} does not match its schema: ${parsed.error.message}`);
      }
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(parsed.data)), sent)) {
        throw new Error(`Response of ${method} ${url} carries fields its schema does not declare`);
      }
      return unwrapJsonDecimals(json);
    };
}
