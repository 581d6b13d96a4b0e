import fc from 'fast-check';
import {
  fitMarkov,
  fitShapley,
  TOUCHPOINT_TYPES,
  type AttributionOptions,
  type PartnerPath,
  type Touchpoint,
} from '../../../src/domain/attribution/index.js';
import { DAY, T0 } from './fixtures.js';

export const PARTNER_IDS = ['p1', 'p2', 'p10', 'P3', 'a', 'zz', 'é', 'x-y'];

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
export const ruleOptions: fc.Arbitrary<AttributionOptions> = fc.record({
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
export const deal = fc.record({
  amountMinor: fc.integer({ min: 1, max: 1e12 }),
  closedAt: fc.oneof(fc.constant(T0 + 2 * DAY), fc.integer({ min: T0 - 30 * DAY, max: T0 + 10 * 365 * DAY })),
});
// Sequences follow generation (recording) order, which is independent of the timestamps.
export const touchpoints = fc
  .array(
    fc.record({
      partnerId: fc.constantFrom(...PARTNER_IDS),
      type: fc.constantFrom(...TOUCHPOINT_TYPES),
      timestamp,
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((list): Touchpoint[] => list.map((touchpoint, index) => ({ ...touchpoint, sequence: index * 3 + 1 })));

/** Won and lost deals over the same partners (and one the deals never use), as fit inputs. */
export const fitPaths: fc.Arbitrary<PartnerPath[]> = fc.array(
  fc.record({
    partners: fc.array(fc.constantFrom(...PARTNER_IDS, 'elsewhere'), { minLength: 0, maxLength: 6 }),
    won: fc.boolean(),
  }),
  { minLength: 0, maxLength: 30 },
);

/** Rule options plus both fits over random paths, and sometimes a lookback window. */
export const options: fc.Arbitrary<AttributionOptions> = fc
  .record({
    base: ruleOptions,
    paths: fitPaths,
    version: fc.integer({ min: 1, max: 99 }),
    lookbackDays: fc.oneof(fc.constant(null), fc.constant(undefined), fc.integer({ min: 0, max: 400 }), fc.double({ min: 0, max: 30, noNaN: true })),
  })
  .map(({ base, paths, version, lookbackDays }) => ({
    ...base,
    lookbackDays,
    markovFit: fitMarkov(paths, version),
    shapleyFit: fitShapley(paths, version),
  }));

export const scenario = fc.record({ deal, options: ruleOptions, touchpoints }).chain((base) =>
  fc
    .shuffledSubarray(base.touchpoints, { minLength: base.touchpoints.length, maxLength: base.touchpoints.length })
    .map((shuffled) => ({ ...base, shuffled })),
);

/** Like {@link scenario}, with fits and lookback windows in the options. */
export const fittedScenario = fc.record({ deal, options, touchpoints }).chain((base) =>
  fc
    .shuffledSubarray(base.touchpoints, { minLength: base.touchpoints.length, maxLength: base.touchpoints.length })
    .map((shuffled) => ({ ...base, shuffled })),
);
