import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_MODELS,
  attribute,
  TOUCHPOINT_TYPES,
  type AttributionModel,
  type AttributionOptions,
  type AttributionOutcome,
  type Touchpoint,
} from '../../../src/domain/attribution/index.js';
import { orderTouchpoints } from '../../../src/domain/touchpoint.js';
import { DAY, T0 } from './fixtures.js';

const RUNS_PER_MODEL = 2000;
const PARTNER_IDS = ['p1', 'p2', 'p10', 'P3', 'a', 'zz', 'é', 'x-y'];

// A few fixed days make equal timestamps common; the wide range exercises decay over years.
const timestamp = fc.oneof(
  fc.integer({ min: 0, max: 4 }).map((day) => T0 + day * DAY),
  fc.integer({ min: T0 - 5 * 365 * DAY, max: T0 + 60 * DAY }),
);
const roleWeight = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 100 }),
  fc.double({ min: 0, max: 1000, noNaN: true, noDefaultInfinity: true }),
);
const options: fc.Arbitrary<AttributionOptions> = fc.record({
  roleWeights: fc.record({
    referral: roleWeight,
    demo: roleWeight,
    intro: roleWeight,
    support: roleWeight,
    closer: roleWeight,
    other: roleWeight,
  }),
  halfLifeDays: fc.oneof(fc.constant(7), fc.double({ min: 0.001, max: 3650, noNaN: true })),
});
const deal = fc.record({
  amount: fc.integer({ min: 1, max: 1e12 }),
  closedAt: fc.oneof(fc.constant(T0 + 2 * DAY), fc.integer({ min: T0 - 30 * DAY, max: T0 + 10 * 365 * DAY })),
});
// Sequences follow generation (recording) order, which is independent of the timestamps.
const touchpoints = fc
  .array(
    fc.record({
      partnerId: fc.constantFrom(...PARTNER_IDS),
      type: fc.constantFrom(...TOUCHPOINT_TYPES),
      timestamp,
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((list): Touchpoint[] => list.map((touchpoint, index) => ({ ...touchpoint, sequence: index * 3 + 1 })));
const scenario = fc.record({ deal, options, touchpoints }).chain((base) =>
  fc
    .shuffledSubarray(base.touchpoints, { minLength: base.touchpoints.length, maxLength: base.touchpoints.length })
    .map((shuffled) => ({ ...base, shuffled })),
);

function sum(values: readonly number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}

function expectInvariants(amount: number, touchpoints: readonly Touchpoint[], outcome: AttributionOutcome): void {
  const { shares } = outcome;
  const payouts = shares.map((share) => share.payout);
  const basisPoints = shares.map((share) => share.basisPoints);
  for (const value of [...payouts, ...basisPoints]) expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
  expect(sum(payouts)).toBe(amount);
  expect(sum(basisPoints)).toBe(10_000);

  const partnerIds = shares.map((share) => share.partnerId);
  expect(new Set(partnerIds).size).toBe(partnerIds.length);
  expect([...partnerIds].sort()).toEqual([...new Set(touchpoints.map((t) => t.partnerId))].sort());
  for (const share of shares) {
    const own = touchpoints.filter((t) => t.partnerId === share.partnerId);
    expect(share.touchpoints).toBe(own.length);
    expect([...share.roles].sort()).toEqual([...new Set(own.map((t) => t.type))].sort());
  }
  for (let i = 1; i < shares.length; i += 1) {
    const [previous, current] = [shares[i - 1], shares[i]];
    if (previous === undefined || current === undefined) continue;
    const tiedAndOrdered = previous.payout === current.payout && previous.partnerId < current.partnerId;
    expect(previous.payout > current.payout || tiedAndOrdered).toBe(true);
  }
}

/** Model-specific facts cheap enough to check on every run. */
function expectModelFacts(
  model: AttributionModel,
  amount: number,
  touchpoints: readonly Touchpoint[],
  outcome: AttributionOutcome,
): void {
  const ordered = orderTouchpoints(touchpoints);
  const payoutOf = (partnerId: string | undefined) => outcome.shares.find((s) => s.partnerId === partnerId)?.payout;
  if (model === 'first-touch') expect(payoutOf(ordered[0]?.partnerId)).toBe(amount);
  if (model === 'last-touch') expect(payoutOf(ordered.at(-1)?.partnerId)).toBe(amount);
  if (model === 'equal') {
    const payouts = outcome.shares.map((s) => s.payout);
    expect(Math.max(...payouts) - Math.min(...payouts)).toBeLessThanOrEqual(1);
  }
  if (model !== 'role-based') expect(outcome.fallback).toBeUndefined();
}

describe('attribute properties', () => {
  const title = `%s: exact, complete and order-independent over ${RUNS_PER_MODEL} random deals`;
  it.each(ATTRIBUTION_MODELS)(title, (model) => {
    fc.assert(
      fc.property(scenario, ({ deal, options, touchpoints, shuffled }) => {
        const outcome = attribute(deal, touchpoints, model, options);
        expectInvariants(deal.amount, touchpoints, outcome);
        expectModelFacts(model, deal.amount, touchpoints, outcome);
        expect(attribute(deal, shuffled, model, options)).toEqual(outcome);
      }),
      { numRuns: RUNS_PER_MODEL },
    );
  });
});
