import { solveAbsorbingChain, type ChainSolution } from './absorbing-chain.js';
import { toFittedWeight } from './fitted-weight.js';
import {
  countMarkovPath,
  emptyMarkovCounts,
  LOST_KEY,
  START_KEY,
  WON_KEY,
  type MarkovCounts,
} from './markov-counts.js';
import { compareIds, type PartnerPath } from './partner-path.js';
import type { SharedPart, SharedSimdWorkspace } from './simd-workspace.js';

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
 * The result depends only on the multiset of paths, not on their order. To
 * stream deals instead of holding every path, accumulate with
 * `countMarkovPath` and fit with {@link fitMarkovCounts}.
 *
 * @example
 * fitMarkov([{ partners: ['a', 'b'], won: true }, { partners: ['a'], won: false }], 1);
 * // a: removal effect 1 (every win passes a), b: 1 — both are needed
 */
export function fitMarkov(paths: Iterable<PartnerPath>, version: number): MarkovFit {
  const counts = emptyMarkovCounts();
  for (const path of paths) countMarkovPath(counts, path);
  return fitMarkovCounts(counts, version);
}

/**
 * {@link fitMarkov} from counts accumulated with `countMarkovPath`; `shareWork` as in `solveAbsorbingChain`.
 *
 * @example
 * fitMarkovCounts(counts, 12);
 */
export function fitMarkovCounts(counts: MarkovCounts, version: number, shareWork?: (work: SharedSimdWorkspace, part: SharedPart) => void): MarkovFit {
  const ids = [...counts.pathsPerPartner.keys()].sort(compareIds);
  const index = new Map(ids.map((id, i) => [id, i]));
  const n = ids.length;
  const transient = ids.map(() => new Float64Array(n));
  const toWon = new Float64Array(n);
  const start = new Float64Array(n);
  const transitions: MarkovTransition[] = [];
  // Start's edges first, then each partner's in id order; targets by id, then won, then lost.
  const targetOrder = (key: string) => index.get(key) ?? (key === WON_KEY ? n : n + 1);
  for (const from of [START_KEY, ...ids]) {
    const out = counts.transitions.get(from);
    if (out === undefined) continue;
    const total = [...out.values()].reduce((sum, count) => sum + count, 0);
    const row = from === START_KEY ? start : (transient[index.get(from) as number] as Float64Array);
    for (const to of [...out.keys()].sort((a, b) => targetOrder(a) - targetOrder(b))) {
      const count = out.get(to) as number;
      const probability = count / total;
      const target = index.get(to);
      if (target !== undefined) row[target] = probability;
      else if (to === WON_KEY) toWon[index.get(from) as number] = probability;
      transitions.push(describeTransition(from, to, count, probability));
    }
  }

  const solution = n === 0 ? undefined : solveAbsorbingChain({ size: n, transient, toWon, start }, shareWork);
  const conversion = solution?.conversion ?? 0;
  const partners = ids.map((partnerId, i): MarkovPartner => {
    const removalEffect = removalEffectOf(solution, i);
    const paths = counts.pathsPerPartner.get(partnerId) ?? 0;
    return { partnerId, removalEffect, weight: toFittedWeight(removalEffect), paths };
  });
  return { model: 'markov', version, wonDeals: counts.won, lostDeals: counts.lost, conversion, partners, transitions };
}

/**
 * Partner `i`'s removal effect in a solved chain: the share of conversions that pass through it,
 * clamped to [0, 1]; 0 when nothing converts.
 */
export function removalEffectOf(solution: ChainSolution | undefined, i: number): number {
  const conversion = solution?.conversion ?? 0;
  if (!solution || conversion <= 0) return 0;
  const throughPartner = ((solution.visits[i] as number) * (solution.winFrom[i] as number)) / (solution.selfVisits[i] as number);
  return Math.min(1, Math.max(0, throughPartner / conversion));
}

function describeTransition(from: string, to: string, count: number, probability: number): MarkovTransition {
  const toState = to === WON_KEY ? 'won' : to === LOST_KEY ? 'lost' : 'partner';
  return {
    from: from === START_KEY ? 'start' : from,
    fromState: from === START_KEY ? 'start' : 'partner',
    to: toState === 'partner' ? to : toState,
    toState,
    count,
    probability,
  };
}

/** What attributing and explaining with a markov fit read: all of it but the transitions. */
export type MarkovWeights = Omit<MarkovFit, 'transitions'>;

/**
 * A {@link MarkovFit} as stored: the transitions as a flat table of (from, to, count) triples of
 * partner indexes into `partners` (from −1 is start; to −1 is won, −2 lost). 268,000 transitions
 * at 2,000 partners are 32 MB as objects in JSON and 3–4 MB as this table; the probabilities are
 * `count / (all counts out of from)` again when read (`packedTransition`), the same division and so the same bits.
 */
export interface PackedMarkovFit extends MarkovWeights {
  /** A JSON array as stored; in memory also a Float64Array of the same numbers (as the fit thread hands a fit over), never stringified. */
  transitionTable: readonly number[] | Int32Array;
}

const FROM_START = -1;
const TO_WON = -1;
const TO_LOST = -2;

/**
 * @example
 * JSON.stringify(packMarkovFit(fit)); // what the service stores
 */
export function packMarkovFit(fit: MarkovFit): PackedMarkovFit {
  const index = new Map(fit.partners.map((partner, i) => [partner.partnerId, i]));
  const transitionTable: number[] = [];
  for (const transition of fit.transitions) {
    const from = transition.fromState === 'start' ? FROM_START : (index.get(transition.from) as number);
    const to = transition.toState === 'won' ? TO_WON : transition.toState === 'lost' ? TO_LOST : (index.get(transition.to) as number);
    transitionTable.push(from, to, transition.count);
  }
  const { transitions: _transitions, ...rest } = fit;
  return { ...rest, transitionTable };
}

/**
 * A stored fit as the service keeps it: packed. A fit stored before the table existed (with
 * `transitions`) is packed here; its transitions are then {@link packedTransition}s again, equal
 * to the ones stored (tested). Its 268,000 transition objects at 2,000 partners are made only
 * for the ones an answer lists.
 *
 * @example
 * readStoredMarkovFit(JSON.parse(storedJson));
 */
export function readStoredMarkovFit(stored: PackedMarkovFit | MarkovFit): PackedMarkovFit {
  return 'transitionTable' in stored ? stored : packMarkovFit(stored);
}

/**
 * Each row's total count in a packed fit's table, at from + 1 (start is −1): summed in table
 * order, as the fit summed them, for {@link packedTransition}.
 */
export function packedRowTotals(fit: PackedMarkovFit): Float64Array {
  const table = fit.transitionTable;
  const totals = new Float64Array(fit.partners.length + 1);
  for (let at = 0; at < table.length; at += 3) {
    const row = (table[at] as number) + 1;
    totals[row] = (totals[row] as number) + (table[at + 2] as number);
  }
  return totals;
}

/** Entry `k` of a packed fit's table as the transition it stands for; `totals` from {@link packedRowTotals}. */
export function packedTransition(fit: PackedMarkovFit, totals: Float64Array, k: number): MarkovTransition {
  const table = fit.transitionTable;
  const [from, to, count] = [table[3 * k] as number, table[3 * k + 1] as number, table[3 * k + 2] as number];
  const toState = to === TO_WON ? 'won' : to === TO_LOST ? 'lost' : 'partner';
  return {
    from: from === FROM_START ? 'start' : (fit.partners[from] as MarkovPartner).partnerId,
    fromState: from === FROM_START ? 'start' : 'partner',
    to: toState === 'partner' ? (fit.partners[to] as MarkovPartner).partnerId : toState,
    toState,
    count,
    probability: count / (totals[from + 1] as number),
  };
}
