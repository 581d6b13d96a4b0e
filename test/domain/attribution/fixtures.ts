import {
  DEFAULT_ATTRIBUTION_OPTIONS,
  type AttributionOptions,
  type AttributionOutcome,
  type Touchpoint,
  type TouchpointType,
} from '../../../src/domain/attribution/index.js';

export const DAY = 86_400_000;
/** 2024-01-15T10:00:00Z, the brief's first touchpoint. */
export const T0 = Date.parse('2024-01-15T10:00:00Z');

export function tp(partnerId: string, type: TouchpointType, timestamp: number, sequence: number): Touchpoint {
  return { partnerId, type, timestamp, sequence };
}

/** Touchpoints one day apart, recorded in that order: `timeline(['a', 'b'])`. */
export function timeline(partners: readonly string[], type: TouchpointType = 'other'): Touchpoint[] {
  return partners.map((partnerId, index) => tp(partnerId, type, T0 + index * DAY, index + 1));
}

export function withOptions(overrides: Partial<AttributionOptions> = {}): AttributionOptions {
  return { ...DEFAULT_ATTRIBUTION_OPTIONS, ...overrides };
}

/** `[partnerId, payout, basisPoints]`: one share, compactly. */
export type Split = [partnerId: string, payout: number, basisPoints: number];

/** One row of a model's table-driven test. */
export interface Case {
  name: string;
  amount: number;
  touchpoints: Touchpoint[];
  expected: Split[];
}

/** The outcome's shares as {@link Split}s, in the outcome's order. */
export function splits(outcome: AttributionOutcome): Split[] {
  return outcome.shares.map((share) => [share.partnerId, share.payoutMinor, share.basisPoints]);
}
