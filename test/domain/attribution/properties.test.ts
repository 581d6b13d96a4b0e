import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_MODELS,
  DATA_DRIVEN_MODELS,
  attribute,
  isWithinLookback,
  shapleyValues,
  toFittedWeight,
  type AttributionModel,
  type AttributionOutcome,
  type ModelName,
  type Touchpoint,
} from '../../../src/domain/attribution/index.js';
import { allocate } from '../../../src/domain/money.js';
import { orderTouchpoints } from '../../../src/domain/touchpoint.js';
import { fittedScenario, scenario } from './arbitraries.js';

const RUNS_PER_MODEL = 2000;
function sum(values: readonly number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}

function expectInvariants(amount: number, touchpoints: readonly Touchpoint[], outcome: AttributionOutcome): void {
  const { shares } = outcome;
  const payouts = shares.map((share) => share.payoutMinor);
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
    const tiedAndOrdered = previous.payoutMinor === current.payoutMinor && previous.partnerId < current.partnerId;
    expect(previous.payoutMinor > current.payoutMinor || tiedAndOrdered).toBe(true);
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
  const payoutOf = (partnerId: string | undefined) => outcome.shares.find((s) => s.partnerId === partnerId)?.payoutMinor;
  if (model === 'first-touch') expect(payoutOf(ordered[0]?.partnerId)).toBe(amount);
  if (model === 'last-touch') expect(payoutOf(ordered.at(-1)?.partnerId)).toBe(amount);
  if (model === 'equal') {
    const payouts = outcome.shares.map((s) => s.payoutMinor);
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
        expectInvariants(deal.amountMinor, touchpoints, outcome);
        expectModelFacts(model, deal.amountMinor, touchpoints, outcome);
        expect(attribute(deal, shuffled, model, options)).toEqual(outcome);
      }),
      { numRuns: RUNS_PER_MODEL },
    );
  });

  it.each(DATA_DRIVEN_MODELS)(title, (model) => {
    fc.assert(
      fc.property(fittedScenario, ({ deal, options, touchpoints, shuffled }) => {
        const counted = touchpoints.filter((t) => isWithinLookback(deal.closedAt, t.timestamp, options.lookbackDays));
        const outcome = attribute(deal, touchpoints, model, options);
        if (counted.length === 0) expect(outcome).toEqual({ shares: [] });
        else expectInvariants(deal.amountMinor, counted, outcome);
        expectFittedWeights(model, deal.amountMinor, counted, outcome, options);
        expect(JSON.stringify(attribute(deal, shuffled, model, options))).toBe(JSON.stringify(outcome));
      }),
      { numRuns: RUNS_PER_MODEL },
    );
  });

  it.each([...ATTRIBUTION_MODELS, ...DATA_DRIVEN_MODELS])(
    '%s: a lookback window is the same as leaving its outside touchpoints out',
    (model: ModelName) => {
      fc.assert(
        fc.property(fittedScenario, ({ deal, options, touchpoints }) => {
          const counted = touchpoints.filter((t) => isWithinLookback(deal.closedAt, t.timestamp, options.lookbackDays));
          const windowless = { ...options, lookbackDays: null };
          expect(attribute(deal, touchpoints, model, options)).toEqual(attribute(deal, counted, model, windowless));
        }),
        { numRuns: 300 },
      );
    },
  );
});

/** The payouts are exactly allocate() over the fit's integer weights, or equal shares when all are 0. */
function expectFittedWeights(
  model: 'markov' | 'shapley',
  amount: number,
  counted: readonly Touchpoint[],
  outcome: AttributionOutcome,
  options: Parameters<typeof attribute>[3],
): void {
  if (counted.length === 0) return;
  const partners = [...new Set(orderTouchpoints(counted).map((t) => t.partnerId))];
  const weights =
    model === 'markov'
      ? partners.map((id) => options.markovFit?.partners.find((p) => p.partnerId === id)?.weight ?? 0)
      : options.shapleyFit && shapleyValues(options.shapleyFit, partners).map(toFittedWeight);
  if (weights !== undefined) {
    const allZero = weights.every((w) => w === 0);
    expect(outcome.fallback).toBe(allZero ? 'equal' : undefined);
    const expected = allocate(amount, allZero ? partners.map(() => 1) : weights);
    for (const [i, id] of partners.entries()) {
      expect(outcome.shares.find((s) => s.partnerId === id)?.payoutMinor).toBe(expected[i]);
    }
  }
  for (const share of outcome.shares) expect(Number.isSafeInteger(share.payoutMinor)).toBe(true);
}
