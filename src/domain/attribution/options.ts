import { DomainError } from '../errors.js';
import { TOUCHPOINT_TYPES, type TouchpointType } from '../touchpoint.js';
import type { MarkovWeights } from './markov.js';
import type { ShapleyFit } from './shapley.js';

/** Role weights out of the box (the settings can change them). */
export const DEFAULT_ROLE_WEIGHTS: Readonly<Record<TouchpointType, number>> = Object.freeze({
  closer: 35,
  referral: 25,
  demo: 15,
  intro: 15,
  support: 10,
  other: 5,
});

export const DEFAULT_HALF_LIFE_DAYS = 7;

export interface AttributionOptions {
  /** Used by `role-based`, and to order each partner's `roles`. Each ≥ 0. */
  roleWeights: Readonly<Record<TouchpointType, number>>;
  /** Used by `time-decay`. > 0. */
  halfLifeDays: number;
  /**
   * Touchpoints more than this many days before the deal's close count for no
   * model. `null` or absent: no window. Finite and ≥ 0.
   */
  lookbackDays?: number | null;
  /** The fit `markov` weighs partners by (`fitMarkov`); required for that model only. */
  markovFit?: MarkovWeights;
  /** The fit `shapley` weighs partners by (`fitShapley`); required for that model only. */
  shapleyFit?: ShapleyFit;
}

export const DEFAULT_ATTRIBUTION_OPTIONS: Readonly<AttributionOptions> = Object.freeze({
  roleWeights: DEFAULT_ROLE_WEIGHTS,
  halfLifeDays: DEFAULT_HALF_LIFE_DAYS,
});

/**
 * Checks options the way settings must be: every role weight present, finite
 * and ≥ 0; the half-life finite and > 0; the lookback window null or finite
 * and ≥ 0; each fit of its own model. Throws `DomainError('invalid_options')`.
 *
 * @example
 * assertAttributionOptions({ roleWeights: DEFAULT_ROLE_WEIGHTS, halfLifeDays: 0 }); // throws
 */
export function assertAttributionOptions(options: AttributionOptions): void {
  for (const type of TOUCHPOINT_TYPES) {
    const weight = options.roleWeights[type];
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new DomainError(
        'invalid_options',
        `role weight for ${type} must be a finite number >= 0, got ${String(weight)}`,
      );
    }
  }
  const halfLife = options.halfLifeDays;
  if (typeof halfLife !== 'number' || !Number.isFinite(halfLife) || halfLife <= 0) {
    throw new DomainError('invalid_options', `halfLifeDays must be a finite number > 0, got ${String(halfLife)}`);
  }
  const lookback = options.lookbackDays;
  if (lookback !== undefined && lookback !== null && !(Number.isFinite(lookback) && lookback >= 0)) {
    throw new DomainError('invalid_options', `lookbackDays must be null or a finite number >= 0, got ${String(lookback)}`);
  }
  if (options.markovFit !== undefined && options.markovFit.model !== 'markov') {
    throw new DomainError('invalid_options', 'markovFit must be a markov fit');
  }
  if (options.shapleyFit !== undefined && options.shapleyFit.model !== 'shapley') {
    throw new DomainError('invalid_options', 'shapleyFit must be a shapley fit');
  }
}
