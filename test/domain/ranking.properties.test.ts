import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInOrder } from '../../src/domain/ranking.js';

/** firstInOrder against the obvious way: sort every index, keep the first `limit`. */
describe('firstInOrder', () => {
  it('gives the first entries of the full sort, for any keys (ties broken by index) and any limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 200 }), fc.integer({ min: 0, max: 220 }), (keys, limit) => {
        const compare = (a: number, b: number) => (keys[b] as number) - (keys[a] as number) || a - b;
        const sorted = keys.map((_, index) => index).sort(compare);
        expect([...firstInOrder(keys.length, limit, compare)]).toEqual(sorted.slice(0, limit));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives nothing for a limit of 0 or no entries', () => {
    expect([...firstInOrder(5, 0, (a, b) => a - b)]).toEqual([]);
    expect([...firstInOrder(0, 3, (a, b) => a - b)]).toEqual([]);
  });
});
