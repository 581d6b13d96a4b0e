import { describe, expect, it } from 'vitest';
import { attribute, DEFAULT_ROLE_WEIGHTS, type AttributionOptions } from '../../../src/domain/attribution/index.js';
import { toMajorUnits, toMinorUnits } from '../../../src/domain/money.js';
import { DAY, splits, T0, tp, withOptions, type Case } from './fixtures.js';

const closedAt = Date.parse('2024-01-20T15:00:00Z');

describe('role-based', () => {
  it("reproduces the brief's deal-123: Alice (25 + 35) / 75 = 80 %, Bob 15 / 75 = 20 %", () => {
    const touchpoints = [
      tp('p1', 'referral', Date.parse('2024-01-15T10:00:00Z'), 1),
      tp('p2', 'demo', Date.parse('2024-01-17T14:00:00Z'), 2),
      tp('p1', 'closer', Date.parse('2024-01-19T16:00:00Z'), 3),
    ];
    const amount = toMinorUnits(50000, 'USD') ?? 0;
    const outcome = attribute({ amountMinor: amount, closedAt }, touchpoints, 'role-based', withOptions());
    expect(outcome).toEqual({
      shares: [
        { partnerId: 'p1', payoutMinor: 4_000_000, basisPoints: 8000, touchpoints: 2, roles: ['closer', 'referral'] },
        { partnerId: 'p2', payoutMinor: 1_000_000, basisPoints: 2000, touchpoints: 1, roles: ['demo'] },
      ],
    });
    // What the HTTP layer will show: payout 40000 / 10000 USD, percentage 80 / 20.
    expect(outcome.shares.map((share) => toMajorUnits(share.payoutMinor, 'USD'))).toEqual([40000, 10000]);
    expect(outcome.shares.map((share) => share.basisPoints / 100)).toEqual([80, 20]);
    expect(outcome.shares.map((share) => share.roles.join(', '))).toEqual(['closer, referral', 'demo']);
  });

  it.each<Case & { options?: Partial<AttributionOptions> }>([
    {
      name: 'repeating a type adds nothing',
      amount: 10_000,
      touchpoints: [
        tp('p1', 'closer', T0, 1),
        tp('p1', 'closer', T0 + DAY, 2),
        tp('p1', 'closer', T0 + 2 * DAY, 3),
        tp('p2', 'closer', T0, 4),
      ],
      expected: [
        ['p1', 5000, 5000],
        ['p2', 5000, 5000],
      ],
    },
    {
      name: 'distinct types add up: referral + demo + support = 50 vs closer 35',
      amount: 8_500,
      touchpoints: [
        tp('a', 'referral', T0, 1),
        tp('a', 'demo', T0, 2),
        tp('a', 'support', T0, 3),
        tp('b', 'closer', T0, 4),
      ],
      expected: [
        ['a', 5000, 5882],
        ['b', 3500, 4118],
      ],
    },
    {
      name: 'one touchpoint takes everything',
      amount: 123,
      touchpoints: [tp('solo', 'other', T0, 1)],
      expected: [['solo', 123, 10000]],
    },
    {
      name: 'custom weights apply',
      amount: 10_000,
      options: { roleWeights: { ...DEFAULT_ROLE_WEIGHTS, intro: 60, closer: 20 } },
      touchpoints: [tp('a', 'intro', T0, 1), tp('b', 'closer', T0, 2)],
      expected: [
        ['a', 7500, 7500],
        ['b', 2500, 2500],
      ],
    },
    {
      name: 'a partner whose only role weighs 0 is listed with 0',
      amount: 10_000,
      options: { roleWeights: { ...DEFAULT_ROLE_WEIGHTS, other: 0 } },
      touchpoints: [tp('a', 'other', T0, 1), tp('b', 'demo', T0 + DAY, 2)],
      expected: [
        ['b', 10_000, 10000],
        ['a', 0, 0],
      ],
    },
    {
      name: 'fractional weights are split exactly',
      amount: 3,
      options: { roleWeights: { ...DEFAULT_ROLE_WEIGHTS, referral: 0.1, closer: 0.2 } },
      touchpoints: [tp('a', 'referral', T0, 1), tp('b', 'closer', T0, 2)],
      expected: [
        ['b', 2, 6667],
        ['a', 1, 3333],
      ],
    },
  ])('$name', ({ amount, touchpoints, options, expected }) => {
    expect(splits(attribute({ amountMinor: amount, closedAt }, touchpoints, 'role-based', withOptions(options)))).toEqual(expected);
  });

  it('falls back to equal shares when every role weight is 0', () => {
    const roleWeights = { closer: 0, referral: 0, demo: 0, intro: 0, support: 0, other: 0 };
    const outcome = attribute(
      { amountMinor: 10_000, closedAt },
      [tp('c', 'closer', T0, 1), tp('a', 'demo', T0 + DAY, 2), tp('b', 'intro', T0 + 2 * DAY, 3)],
      'role-based',
      withOptions({ roleWeights }),
    );
    expect(outcome.fallback).toBe('equal');
    expect(splits(outcome)).toEqual([
      ['c', 3334, 3334],
      ['a', 3333, 3333],
      ['b', 3333, 3333],
    ]);
  });
});
