import { describe, expect, it } from 'vitest';
import { attribute } from '../../../src/domain/attribution/index.js';
import { DAY, splits, T0, timeline, tp, withOptions } from './fixtures.js';

const closedAt = T0 + 30 * DAY;

describe('equal', () => {
  it.each([
    {
      name: 'splits 100.00 three ways, the extra cent and basis point to the earliest first touch',
      amount: 10_000,
      touchpoints: timeline(['zed', 'amy', 'bob']),
      expected: [
        ['zed', 3334, 3334],
        ['amy', 3333, 3333],
        ['bob', 3333, 3333],
      ],
    },
    {
      name: 'breaks a first-touch timestamp tie by recording order',
      amount: 1,
      touchpoints: [tp('a', 'demo', T0, 3), tp('b', 'demo', T0, 2)],
      expected: [
        ['b', 1, 5000],
        ['a', 0, 5000],
      ],
    },
    {
      name: 'counts a partner once however many touchpoints it has',
      amount: 5_000_000,
      touchpoints: timeline(['p1', 'p1', 'p1', 'p2']),
      expected: [
        ['p1', 2_500_000, 5000],
        ['p2', 2_500_000, 5000],
      ],
    },
    {
      name: 'gives one touchpoint everything',
      amount: 1,
      touchpoints: timeline(['solo']),
      expected: [['solo', 1, 10000]],
    },
    {
      name: 'gives a single cent to the partner first in, not the first by id',
      amount: 1,
      touchpoints: [tp('a', 'demo', T0 + DAY, 1), tp('b', 'demo', T0, 2)],
      expected: [
        ['b', 1, 5000],
        ['a', 0, 5000],
      ],
    },
  ])('$name', ({ amount, touchpoints, expected }) => {
    expect(splits(attribute({ amountMinor: amount, closedAt }, touchpoints, 'equal', withOptions()))).toEqual(expected);
  });
});

describe('linear', () => {
  it.each([
    {
      name: '3 of 4 touchpoints is 75 %',
      amount: 10_000,
      touchpoints: timeline(['p1', 'p2', 'p1', 'p1']),
      expected: [
        ['p1', 7500, 7500],
        ['p2', 2500, 2500],
      ],
    },
    {
      name: 'one touchpoint each is an equal split',
      amount: 10_000,
      touchpoints: timeline(['c', 'b', 'a']),
      expected: [
        ['c', 3334, 3334],
        ['a', 3333, 3333],
        ['b', 3333, 3333],
      ],
    },
    {
      name: 'two touchpoints, one each',
      amount: 10_001,
      touchpoints: timeline(['y', 'x']),
      expected: [
        ['y', 5001, 5000],
        ['x', 5000, 5000],
      ],
    },
    {
      name: 'a single touchpoint takes everything',
      amount: 999,
      touchpoints: timeline(['p1']),
      expected: [['p1', 999, 10000]],
    },
  ])('$name', ({ amount, touchpoints, expected }) => {
    expect(splits(attribute({ amountMinor: amount, closedAt }, touchpoints, 'linear', withOptions()))).toEqual(expected);
  });
});
