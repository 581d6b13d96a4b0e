import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIsoTimestamp } from '../../src/http/iso-time.js';

const MAX_DATE_MS = 8.64e15;
const FOUR_DIGIT_YEARS = { min: Date.parse('0000-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') };

describe('formatIsoTimestamp', () => {
  it('writes what toISOString writes, for every instant a Date holds', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(FOUR_DIGIT_YEARS), fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS })), (epochMs) => {
        expect(formatIsoTimestamp(epochMs)).toBe(new Date(epochMs).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes what toISOString writes around the edges of days, years and the four-digit years', () => {
    const edges = [0, -1, 1, 86_399_999, 86_400_000, Date.parse('2024-02-29T23:59:59.999Z'), Date.parse('0000-01-01T00:00:00.000Z'),
      Date.parse('0000-01-01T00:00:00.000Z') - 1, Date.parse('9999-12-31T23:59:59.999Z'), Date.parse('9999-12-31T23:59:59.999Z') + 1];
    fc.assert(
      fc.property(fc.constantFrom(...edges), fc.integer({ min: -3, max: 3 }), (edge, offset) => {
        expect(formatIsoTimestamp(edge + offset)).toBe(new Date(edge + offset).toISOString());
      }),
    );
  });

  it('throws as toISOString does for what is not an instant', () => {
    expect(() => formatIsoTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => formatIsoTimestamp(MAX_DATE_MS + 1)).toThrow(RangeError);
  });
});
