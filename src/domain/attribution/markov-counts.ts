import type { PartnerPath } from './partner-path.js';

// Endpoint keys: partner ids never hold a NUL, so these cannot collide with one.
export const START_KEY = '\u0000start';
export const WON_KEY = '\u0000won';
export const LOST_KEY = '\u0000lost';

/**
 * Everything `markov` is fitted from, accumulated path by path, so a caller can
 * stream deals page by page and keep only the counts (one entry per distinct
 * transition) instead of every path.
 */
export interface MarkovCounts {
  /** from (a partner id or START_KEY) → to (a partner id, WON_KEY or LOST_KEY) → times taken. */
  transitions: Map<string, Map<string, number>>;
  /** Paths (deals) each partner appears on. */
  pathsPerPartner: Map<string, number>;
  won: number;
  lost: number;
}

/**
 * @example
 * const counts = emptyMarkovCounts();
 * for (const path of page) countMarkovPath(counts, path);
 */
export function emptyMarkovCounts(): MarkovCounts {
  return { transitions: new Map(), pathsPerPartner: new Map(), won: 0, lost: 0 };
}

/**
 * Adds one path: `start → p₁ → … → won|lost`, consecutive repeats of a partner
 * being one visit (a self-loop changes no removal effect). An empty path adds nothing.
 *
 * @example
 * countMarkovPath(counts, { partners: ['a', 'a', 'b'], won: true }); // start→a, a→b, b→won
 */
export function countMarkovPath(counts: MarkovCounts, path: PartnerPath): void {
  if (path.partners.length === 0) return;
  let previous = START_KEY;
  for (const partnerId of path.partners) {
    if (partnerId === previous) continue;
    addTransition(counts, previous, partnerId);
    previous = partnerId;
  }
  addTransition(counts, previous, path.won ? WON_KEY : LOST_KEY);
  for (const partnerId of new Set(path.partners)) {
    counts.pathsPerPartner.set(partnerId, (counts.pathsPerPartner.get(partnerId) ?? 0) + 1);
  }
  if (path.won) counts.won += 1;
  else counts.lost += 1;
}

function addTransition(counts: MarkovCounts, from: string, to: string): void {
  let out = counts.transitions.get(from);
  if (out === undefined) {
    out = new Map();
    counts.transitions.set(from, out);
  }
  out.set(to, (out.get(to) ?? 0) + 1);
}
