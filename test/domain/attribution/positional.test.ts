import { describe, expect, it } from 'vitest';
import { attribute, type AttributionModel } from '../../../src/domain/attribution/index.js';
import { positionWeights } from '../../../src/domain/attribution/positional.js';
import { DAY, splits, T0, timeline, tp, withOptions, type Case, type Split } from './fixtures.js';

const closedAt = T0 + 30 * DAY;

function run(model: AttributionModel, { amount, touchpoints }: Case): Split[] {
  return splits(attribute({ amountMinor: amount, closedAt }, touchpoints, model, withOptions()));
}

describe('first-touch', () => {
  it.each<Case>([
    { name: 'one touchpoint', amount: 500, touchpoints: timeline(['p1']), expected: [['p1', 500, 10000]] },
    {
      name: 'the earliest wins; the others are listed with 0',
      amount: 5_000_000,
      touchpoints: [
        tp('p1', 'closer', T0 + 2 * DAY, 1),
        tp('p2', 'referral', T0, 2),
        tp('p3', 'demo', T0 + DAY, 3),
      ],
      expected: [
        ['p2', 5_000_000, 10000],
        ['p1', 0, 0],
        ['p3', 0, 0],
      ],
    },
    {
      name: 'a timestamp tie goes to the one recorded first',
      amount: 100,
      touchpoints: [tp('late', 'demo', T0, 8), tp('first', 'demo', T0, 7), tp('late', 'intro', T0 + DAY, 1)],
      expected: [
        ['first', 100, 10000],
        ['late', 0, 0],
      ],
    },
    {
      name: 'two touchpoints of one partner',
      amount: 100,
      touchpoints: timeline(['p1', 'p1']),
      expected: [['p1', 100, 10000]],
    },
  ])('$name', (testCase) => {
    expect(run('first-touch', testCase)).toEqual(testCase.expected);
  });
});

describe('last-touch', () => {
  it.each<Case>([
    { name: 'one touchpoint', amount: 500, touchpoints: timeline(['p1']), expected: [['p1', 500, 10000]] },
    {
      name: 'the latest wins',
      amount: 5_000_000,
      touchpoints: [
        tp('p1', 'closer', T0 + 2 * DAY, 1),
        tp('p2', 'referral', T0 + 3 * DAY, 2),
        tp('p3', 'demo', T0, 3),
      ],
      expected: [
        ['p2', 5_000_000, 10000],
        ['p1', 0, 0],
        ['p3', 0, 0],
      ],
    },
    {
      name: 'a timestamp tie goes to the one recorded last',
      amount: 100,
      touchpoints: [
        tp('last', 'closer', T0 + DAY, 9),
        tp('early', 'closer', T0 + DAY, 4),
        tp('early', 'demo', T0, 1),
      ],
      expected: [
        ['last', 100, 10000],
        ['early', 0, 0],
      ],
    },
    {
      name: 'a touchpoint after the close still counts as the latest',
      amount: 100,
      touchpoints: [tp('before', 'closer', closedAt - DAY, 1), tp('after', 'support', closedAt + DAY, 2)],
      expected: [
        ['after', 100, 10000],
        ['before', 0, 0],
      ],
    },
  ])('$name', (testCase) => {
    expect(run('last-touch', testCase)).toEqual(testCase.expected);
  });
});

describe('position-based', () => {
  it.each([
    [1, [1]],
    [2, [1, 1]],
    [3, [2, 1, 2]],
    [4, [4, 1, 1, 4]],
    [5, [6, 1, 1, 1, 6]],
  ])('positionWeights(%i) is %j: 40 / 20 / 40 exactly', (count, weights) => {
    expect(positionWeights(count)).toEqual(weights);
  });

  it.each<Case>([
    { name: '1 touchpoint takes 100 %', amount: 777, touchpoints: timeline(['a']), expected: [['a', 777, 10000]] },
    {
      name: '2 touchpoints take 50 % each, the odd cent to the first',
      amount: 10_001,
      touchpoints: timeline(['b', 'a']),
      expected: [
        ['b', 5001, 5000],
        ['a', 5000, 5000],
      ],
    },
    {
      name: '3 touchpoints: 40 / 20 / 40',
      amount: 10_000,
      touchpoints: timeline(['a', 'b', 'c']),
      expected: [
        ['a', 4000, 4000],
        ['c', 4000, 4000],
        ['b', 2000, 2000],
      ],
    },
    {
      name: '5 touchpoints: the middle 20 % in thirds, extra units to the earlier ones',
      amount: 10_000,
      touchpoints: timeline(['a', 'b', 'c', 'd', 'e']),
      expected: [
        ['a', 4000, 4000],
        ['e', 4000, 4000],
        ['b', 667, 667],
        ['c', 667, 667],
        ['d', 666, 666],
      ],
    },
    {
      name: '5 touchpoints, one partner first and last',
      amount: 10_000,
      touchpoints: timeline(['a', 'b', 'a', 'c', 'a']),
      expected: [
        ['a', 8667, 8667],
        ['b', 667, 667],
        ['c', 666, 666],
      ],
    },
    {
      name: 'positions follow (timestamp, sequence), not input order',
      amount: 10_000,
      touchpoints: [
        tp('mid', 'demo', T0, 5),
        tp('last', 'closer', T0 + DAY, 1),
        tp('first', 'referral', T0, 2),
      ],
      expected: [
        ['first', 4000, 4000],
        ['last', 4000, 4000],
        ['mid', 2000, 2000],
      ],
    },
  ])('$name', (testCase) => {
    expect(run('position-based', testCase)).toEqual(testCase.expected);
  });
});
