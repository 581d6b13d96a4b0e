import { describe, expect, it } from 'vitest';
import { attribute } from '../../../src/domain/attribution/index.js';
import { DAY, splits, T0, tp, withOptions, type Case } from './fixtures.js';

const closedAt = T0 + 30 * DAY;

describe('time-decay', () => {
  it.each<Case & { halfLifeDays?: number }>([
    {
      name: 'one half-life older weighs half: 2/3 and 1/3',
      amount: 9000,
      touchpoints: [tp('old', 'referral', closedAt - 7 * DAY, 1), tp('new', 'closer', closedAt, 2)],
      expected: [
        ['new', 6000, 6667],
        ['old', 3000, 3333],
      ],
    },
    {
      name: 'the half-life parameter: 1 day',
      amount: 9000,
      halfLifeDays: 1,
      touchpoints: [tp('old', 'referral', closedAt - 8 * DAY, 1), tp('new', 'closer', closedAt - 7 * DAY, 2)],
      expected: [
        ['new', 6000, 6667],
        ['old', 3000, 3333],
      ],
    },
    {
      name: 'the half-life parameter: 14 days, 7 days apart is 1 : 2^-0.5',
      amount: 10_000,
      halfLifeDays: 14,
      touchpoints: [tp('old', 'referral', closedAt - 7 * DAY, 1), tp('new', 'closer', closedAt, 2)],
      expected: [
        ['new', 5858, 5858],
        ['old', 4142, 4142],
      ],
    },
    {
      name: 'touchpoints after the close have age 0, like one at the close',
      amount: 10_000,
      touchpoints: [
        tp('after', 'support', closedAt + 3 * DAY, 1),
        tp('at', 'closer', closedAt, 2),
        tp('old', 'demo', closedAt - 7 * DAY, 3),
      ],
      expected: [
        ['after', 4000, 4000],
        ['at', 4000, 4000],
        ['old', 2000, 2000],
      ],
    },
    {
      name: 'a deal closed ten years later keeps the ratios instead of underflowing',
      amount: 9000,
      halfLifeDays: 1,
      touchpoints: [tp('old', 'referral', T0 - 3651 * DAY, 1), tp('new', 'closer', T0 - 3650 * DAY, 2)],
      expected: [
        ['new', 6000, 6667],
        ['old', 3000, 3333],
      ],
    },
    {
      name: "a partner's touchpoints add up",
      amount: 10_000,
      touchpoints: [
        tp('a', 'intro', closedAt - 7 * DAY, 1),
        tp('a', 'demo', closedAt - 7 * DAY, 2),
        tp('b', 'closer', closedAt, 3),
      ],
      expected: [
        ['a', 5000, 5000],
        ['b', 5000, 5000],
      ],
    },
    {
      name: 'equal ages split evenly, the extra unit to the earlier first touch',
      amount: 10_001,
      touchpoints: [tp('z', 'closer', closedAt + DAY, 2), tp('y', 'closer', closedAt + 2 * DAY, 1)],
      expected: [
        ['z', 5001, 5000],
        ['y', 5000, 5000],
      ],
    },
  ])('$name', ({ amount, halfLifeDays, touchpoints, expected }) => {
    const options = withOptions(halfLifeDays === undefined ? {} : { halfLifeDays });
    expect(splits(attribute({ amountMinor: amount, closedAt }, touchpoints, 'time-decay', options))).toEqual(expected);
  });
});
