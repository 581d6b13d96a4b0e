import type { TouchpointType } from '../touchpoint.js';

/** How roles are listed when their weights tie: the default weights' order. */
export const ROLE_DISPLAY_ORDER: readonly TouchpointType[] = [
  'closer',
  'referral',
  'demo',
  'intro',
  'support',
  'other',
];

/**
 * A partner's distinct touchpoint types, heaviest role weight first, ties in
 * {@link ROLE_DISPLAY_ORDER}. The HTTP layer joins them with `", "`.
 *
 * @example
 * describeRoles(['referral', 'closer', 'referral'], DEFAULT_ROLE_WEIGHTS); // ['closer', 'referral']
 * describeRoles(['demo', 'intro'], { ...DEFAULT_ROLE_WEIGHTS, intro: 50 }); // ['intro', 'demo']
 */
export function describeRoles(
  types: Iterable<TouchpointType>,
  roleWeights: Readonly<Record<TouchpointType, number>>,
): TouchpointType[] {
  return [...new Set(types)].sort(
    (a, b) =>
      roleWeights[b] - roleWeights[a] || ROLE_DISPLAY_ORDER.indexOf(a) - ROLE_DISPLAY_ORDER.indexOf(b),
  );
}
