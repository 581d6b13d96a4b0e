import { solveAbsorbingChain } from './absorbing-chain.js';
import { toFittedWeight } from './fitted-weight.js';
import { compareIds, type PartnerPath } from './partner-path.js';

/** The non-partner states of the chain. */
export type MarkovEndpoint = 'start' | 'won' | 'lost';

/** One edge of the fitted chain. `from`/`to` are a partner id or the endpoint named by `fromState`/`toState`. */
export interface MarkovTransition {
  from: string;
  fromState: 'start' | 'partner';
  to: string;
  toState: 'partner' | 'won' | 'lost';
  /** Times the edge was taken in the fitted paths. */
  count: number;
  /** count / all transitions out of `from`. */
  probability: number;
}

export interface MarkovPartner {
  partnerId: string;
  /** (P(won) − P(won without the partner)) / P(won); 0 when nothing is won. */
  removalEffect: number;
  /** The removal effect as the integer weight `attribute` uses (10⁻⁹ units, see fitted-weight.ts). */
  weight: number;
  /** Fitted paths (deals) the partner appears on. */
  paths: number;
}

export interface MarkovFit {
  model: 'markov';
  /** The caller's label for this fit; explanations cite it ("removal effect 0.75 of fit 12"). */
  version: number;
  wonDeals: number;
  lostDeals: number;
  /** P(won) from start in the fitted chain. */
  conversion: number;
  /** Every partner on a fitted path, sorted by id. */
  partners: MarkovPartner[];
  /** Every edge taken, sorted by from, then to (start first, won and lost last). */
  transitions: MarkovTransition[];
}

/**
 * Fits `markov`: a first-order chain over the states start, each partner, won
 * and lost, estimated from the paths' transition counts, and each partner's
 * removal effect, solved exactly (`solveAbsorbingChain`, no simulation).
 *
 * - Consecutive touchpoints by the same partner are one visit: a self-loop
 *   changes neither the absorption probabilities nor any removal effect.
 * - A single-partner path is start → partner → won/lost, like any other.
 * - Empty paths carry no partner and are left out (and not counted).
 * - Removing a partner sends every transition into it to lost; its removal
 *   effect is `P(visit p) · P(won | at p) / P(won)`, from one factorisation.
 *
 * The result depends only on the multiset of paths, not on their order.
 *
 * @example
 * fitMarkov([{ partners: ['a', 'b'], won: true }, { partners: ['a'], won: false }], 1);
 * // a: removal effect 1 (every win passes a), b: 1 — both are needed
 */
export function fitMarkov(paths: readonly PartnerPath[], version: number): MarkovFit {
  const ids = partnerIdsOf(paths);
  const index = new Map(ids.map((id, i) => [id, i]));
  const counts = countTransitions(paths, index);
  const n = ids.length;
  const stride = n + 3;
  const outOf = new Float64Array(n + 1);
  for (const [key, count] of counts.edges) {
    const from = Math.floor(key / stride);
    outOf[from] = (outOf[from] as number) + count;
  }

  const transient = ids.map(() => new Float64Array(n));
  const toWon = new Float64Array(n);
  const start = new Float64Array(n);
  const transitions: MarkovTransition[] = [];
  // Start's edges first, then each partner's in id order.
  const order = (key: number) => (key < n * stride ? key + stride : key - n * stride);
  for (const key of [...counts.edges.keys()].sort((a, b) => order(a) - order(b))) {
    const count = counts.edges.get(key) ?? 0;
    const [from, to] = [Math.floor(key / stride), key % stride];
    const probability = count / (outOf[from] as number);
    if (from === n) start[to] = probability;
    else if (to < n) (transient[from] as Float64Array)[to] = probability;
    else if (to === n + 1) toWon[from] = probability;
    transitions.push(describeTransition(ids, from, to, count, probability));
  }

  const solution = n === 0 ? undefined : solveAbsorbingChain({ size: n, transient, toWon, start });
  const conversion = solution?.conversion ?? 0;
  const partners = ids.map((partnerId, i): MarkovPartner => {
    const throughPartner = solution
      ? ((solution.visits[i] as number) * (solution.winFrom[i] as number)) / (solution.selfVisits[i] as number)
      : 0;
    const removalEffect = conversion > 0 ? Math.min(1, Math.max(0, throughPartner / conversion)) : 0;
    return { partnerId, removalEffect, weight: toFittedWeight(removalEffect), paths: counts.pathsPerPartner[i] ?? 0 };
  });
  return { model: 'markov', version, wonDeals: counts.won, lostDeals: counts.lost, conversion, partners, transitions };
}

function partnerIdsOf(paths: readonly PartnerPath[]): string[] {
  const ids = new Set<string>();
  for (const path of paths) for (const partnerId of path.partners) ids.add(partnerId);
  return [...ids].sort(compareIds);
}

interface TransitionCounts {
  /** Key `from * (n + 3) + to`; partners are 0..n-1, start n, won n+1, lost n+2. */
  edges: Map<number, number>;
  pathsPerPartner: Int32Array;
  won: number;
  lost: number;
}

function countTransitions(paths: readonly PartnerPath[], index: ReadonlyMap<string, number>): TransitionCounts {
  const n = index.size;
  const stride = n + 3;
  const edges = new Map<number, number>();
  const pathsPerPartner = new Int32Array(n);
  const lastSeenOnPath = new Int32Array(n).fill(-1);
  let [won, lost] = [0, 0];
  const add = (from: number, to: number) => {
    const key = from * stride + to;
    edges.set(key, (edges.get(key) ?? 0) + 1);
  };
  paths.forEach((path, pathNumber) => {
    if (path.partners.length === 0) return;
    let previous = n;
    for (const partnerId of path.partners) {
      const state = index.get(partnerId) as number;
      if (lastSeenOnPath[state] !== pathNumber) {
        lastSeenOnPath[state] = pathNumber;
        pathsPerPartner[state] = (pathsPerPartner[state] ?? 0) + 1;
      }
      if (state === previous) continue;
      add(previous, state);
      previous = state;
    }
    add(previous, path.won ? n + 1 : n + 2);
    if (path.won) won += 1;
    else lost += 1;
  });
  return { edges, pathsPerPartner, won, lost };
}

function describeTransition(
  ids: readonly string[],
  from: number,
  to: number,
  count: number,
  probability: number,
): MarkovTransition {
  const n = ids.length;
  const toState = to < n ? 'partner' : to === n + 1 ? 'won' : 'lost';
  return {
    from: from === n ? 'start' : (ids[from] as string),
    fromState: from === n ? 'start' : 'partner',
    to: to < n ? (ids[to] as string) : toState,
    toState,
    count,
    probability,
  };
}
