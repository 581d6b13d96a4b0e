import { LOST_KEY, START_KEY, WON_KEY, type MarkovCounts } from './markov-counts.js';
import { coalitionKey, compareIds } from './partner-path.js';
import type { ShapleyCoalition, ShapleyCounts } from './shapley.js';

// Transition targets: won and lost, then partner i as i + 2. Sources: start as 0, partner i as i + 1.
const WON = 0;
const LOST = 1;
const FIRST_PARTNER_TARGET = 2;

interface CoalitionTally {
  members: number[];
  won: number;
  lost: number;
}

/**
 * The counts of both data-driven fits, accumulated in one pass over the deals, with every
 * partner interned as an integer on first sight: one lookup per touchpoint instead of nested
 * string maps and a sorted string key per path. `markovCounts()` and `shapleyCounts()` give
 * exactly what `countMarkovPath` / `countShapleyPath` would have counted from the same paths,
 * so the fits are the same (tested).
 *
 * @example
 * const counts = new FitCounts();
 * counts.addPath(['a', 'a', 'b'], true); // start→a, a→b, b→won; coalition {a, b} won
 * fitMarkovCounts(counts.markovCounts(), 1);
 */
export class FitCounts {
  private readonly indexById = new Map<string, number>();
  private readonly ids: string[] = [];
  /** By source (0 start, i + 1 partner i): target → times taken. */
  private readonly transitions: Map<number, number>[] = [new Map()];
  private readonly pathsPerPartner: number[] = [];
  private readonly coalitions = new Map<string, CoalitionTally>();
  // Per-path scratch, reused: the path's distinct partners and the path in which each was last seen.
  private readonly members: number[] = [];
  private readonly lastSeenOnPath: number[] = [];
  private pathNumber = 0;
  private won = 0;
  private lost = 0;

  /** Adds one path (a deal's partners in touchpoint order, repeats kept). An empty path adds nothing. */
  addPath(partners: readonly string[], won: boolean): void {
    if (partners.length === 0) return;
    this.pathNumber += 1;
    const members = this.members;
    members.length = 0;
    let source = 0;
    let previous = -1;
    for (const partnerId of partners) {
      const partner = this.intern(partnerId);
      if (partner === previous) continue;
      increment(this.transitions[source] as Map<number, number>, partner + FIRST_PARTNER_TARGET);
      source = partner + 1;
      previous = partner;
      if (this.lastSeenOnPath[partner] !== this.pathNumber) {
        this.lastSeenOnPath[partner] = this.pathNumber;
        members.push(partner);
        this.pathsPerPartner[partner] = (this.pathsPerPartner[partner] as number) + 1;
      }
    }
    increment(this.transitions[source] as Map<number, number>, won ? WON : LOST);
    if (won) this.won += 1;
    else this.lost += 1;

    // The coalition, keyed by its interned members in ascending order (ids are sorted at the end).
    // Insertion sort: a path has a handful of partners, and a comparator call costs more than the sort.
    for (let i = 1; i < members.length; i += 1) {
      const member = members[i] as number;
      let j = i - 1;
      for (; j >= 0 && (members[j] as number) > member; j -= 1) members[j + 1] = members[j] as number;
      members[j + 1] = member;
    }
    const key = members.length === 1 ? String(members[0]) : members.join(',');
    let tally = this.coalitions.get(key);
    if (tally === undefined) {
      tally = { members: [...members], won: 0, lost: 0 };
      this.coalitions.set(key, tally);
    }
    if (won) tally.won += 1;
    else tally.lost += 1;
  }

  /**
   * The counts as flat arrays (typed arrays copy in one block between threads, where nested
   * maps are cloned entry by entry). {@link markovCountsOf} and {@link shapleyCountsOf} read it.
   */
  snapshot(): FitCountsSnapshot {
    let transitionCount = 0;
    for (const out of this.transitions) transitionCount += out.size;
    const transitions = new Float64Array(3 * transitionCount);
    let at = 0;
    this.transitions.forEach((out, source) => {
      for (const [target, count] of out) {
        transitions[at] = source;
        transitions[at + 1] = target;
        transitions[at + 2] = count;
        at += 3;
      }
    });
    const coalitionSizes = new Uint32Array(this.coalitions.size);
    const coalitionWon = new Float64Array(this.coalitions.size);
    const coalitionLost = new Float64Array(this.coalitions.size);
    const members: number[] = [];
    let c = 0;
    for (const tally of this.coalitions.values()) {
      coalitionSizes[c] = tally.members.length;
      coalitionWon[c] = tally.won;
      coalitionLost[c] = tally.lost;
      for (const member of tally.members) members.push(member);
      c += 1;
    }
    return {
      partnerIds: [...this.ids],
      transitions,
      pathsPerPartner: Float64Array.from(this.pathsPerPartner),
      coalitionSizes,
      coalitionMembers: Uint32Array.from(members),
      coalitionWon,
      coalitionLost,
      won: this.won,
      lost: this.lost,
    };
  }

  /** What `countMarkovPath` would have counted from the same paths. */
  markovCounts(): MarkovCounts {
    return markovCountsOf(this.snapshot());
  }

  /** What `countShapleyPath` would have counted from the same paths. */
  shapleyCounts(): ShapleyCounts {
    return shapleyCountsOf(this.snapshot());
  }

  private intern(partnerId: string): number {
    let index = this.indexById.get(partnerId);
    if (index === undefined) {
      index = this.ids.length;
      this.indexById.set(partnerId, index);
      this.ids.push(partnerId);
      this.transitions.push(new Map());
      this.pathsPerPartner.push(0);
      this.lastSeenOnPath.push(0);
    }
    return index;
  }
}

/** {@link FitCounts} as flat arrays; partners by their interned index. */
export interface FitCountsSnapshot {
  partnerIds: string[];
  /** (source, target, count) triples: source 0 is start, i + 1 partner i; target 0 won, 1 lost, i + 2 partner i. */
  transitions: Float64Array;
  pathsPerPartner: Float64Array;
  /** Per coalition: its size, its members (consecutively in `coalitionMembers`), won and lost deals. */
  coalitionSizes: Uint32Array;
  coalitionMembers: Uint32Array;
  coalitionWon: Float64Array;
  coalitionLost: Float64Array;
  won: number;
  lost: number;
}

/**
 * The Markov counts in one or more {@link FitCountsSnapshot}s (of disjoint sets of deals, e.g.
 * two halves counted on two threads): integer sums, so the same counts whatever the split.
 */
export function markovCountsOf(...snapshots: FitCountsSnapshot[]): MarkovCounts {
  const transitions = new Map<string, Map<string, number>>();
  const pathsPerPartner = new Map<string, number>();
  let [won, lost] = [0, 0];
  for (const snapshot of snapshots) {
    const { partnerIds: ids } = snapshot;
    const key = (code: number, first: number) => (ids[code - first] as string);
    for (let at = 0; at < snapshot.transitions.length; at += 3) {
      const source = snapshot.transitions[at] as number;
      const target = snapshot.transitions[at + 1] as number;
      const count = snapshot.transitions[at + 2] as number;
      const from = source === 0 ? START_KEY : key(source, 1);
      const to = target === WON ? WON_KEY : target === LOST ? LOST_KEY : key(target, FIRST_PARTNER_TARGET);
      let out = transitions.get(from);
      if (out === undefined) {
        out = new Map();
        transitions.set(from, out);
      }
      out.set(to, (out.get(to) ?? 0) + count);
    }
    ids.forEach((id, i) => pathsPerPartner.set(id, (pathsPerPartner.get(id) ?? 0) + (snapshot.pathsPerPartner[i] as number)));
    won += snapshot.won;
    lost += snapshot.lost;
  }
  return { transitions, pathsPerPartner, won, lost };
}

/** The Shapley counts in one or more {@link FitCountsSnapshot}s (of disjoint sets of deals), summed like {@link markovCountsOf}. */
export function shapleyCountsOf(...snapshots: FitCountsSnapshot[]): ShapleyCounts {
  const byKey = new Map<string, ShapleyCoalition>();
  let [won, lost] = [0, 0];
  for (const snapshot of snapshots) {
    let at = 0;
    snapshot.coalitionSizes.forEach((size, c) => {
      const partnerIds: string[] = [];
      for (let m = at; m < at + size; m += 1) partnerIds.push(snapshot.partnerIds[snapshot.coalitionMembers[m] as number] as string);
      partnerIds.sort(compareIds);
      at += size;
      const key = coalitionKey(partnerIds);
      const coalition = byKey.get(key);
      const [coalitionWon, coalitionLost] = [snapshot.coalitionWon[c] as number, snapshot.coalitionLost[c] as number];
      if (coalition === undefined) byKey.set(key, { partnerIds, won: coalitionWon, lost: coalitionLost });
      else [coalition.won, coalition.lost] = [coalition.won + coalitionWon, coalition.lost + coalitionLost];
    });
    won += snapshot.won;
    lost += snapshot.lost;
  }
  return { byKey, won, lost };
}

function increment(counts: Map<number, number>, key: number): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
