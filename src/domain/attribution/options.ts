import { DomainError } from '../errors.js';
import { TOUCHPOINT_TYPES, type TouchpointType } from '../touchpoint.js';

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
   * A fitted data-driven model's weight per partner id, required for `markov`
   * and `shapley`; partners it does not know weigh 0. Ignored by the rule-based models.
   */
  partnerWeights?: ReadonlyMap<string, number>;
}

export const DEFAULT_ATTRIBUTION_OPTIONS: Readonly<AttributionOptions> = Object.freeze({
  roleWeights: DEFAULT_ROLE_WEIGHTS,
  halfLifeDays: DEFAULT_HALF_LIFE_DAYS,
});

/**
 * Checks options the way settings must be: every role weight present, finite
 * and ≥ 0; the half-life finite and > 0. Throws `DomainError('invalid_options')`.
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
}
