import { PairCounts, SetTallies } from './count-tables.js';
import { LOST_KEY, START_KEY, WON_KEY, type MarkovCounts } from './markov-counts.js';
import { coalitionKey, compareIds } from './partner-path.js';
import type { ShapleyCoalition, ShapleyCounts } from './shapley.js';

// Transition targets: won and lost, then partner i as i + 2. Sources: start as 0, partner i as i + 1.
const WON = 0;
const LOST = 1;
const FIRST_PARTNER_TARGET = 2;

/**
 * Paths as text, a deal per line: `W` (won) or `L` (lost), then its partners in touchpoint order,
 * repeats kept, joined by a comma (partner ids are letters, digits and `_ - . :`). A line with
 * no partner adds nothing.
 */
export const PATH_LINES = { line: '\n', partner: ',', won: 'W', lost: 'L' } as const;

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
  private readonly ids: string[] = [];
  // Partners interned by an open-addressing table over their ids' hashes (slot → index + 1), so
  // a path's text is interned without a string per partner (see addPathLines).
  private slots = new Int32Array(1024);
  private readonly hashes: number[] = [];
  /** (source: 0 start, i + 1 partner i; target) → times taken. */
  private readonly transitions = new PairCounts();
  private readonly pathsPerPartner: number[] = [];
  private readonly coalitions = new SetTallies();
  // Per-path scratch, reused: the path's partners, its distinct partners, and the path in which each was last seen.
  private readonly path: number[] = [];
  private readonly members: number[] = [];
  private readonly lastSeenOnPath: number[] = [];
  private pathNumber = 0;
  private won = 0;
  private lost = 0;

  /** Adds one path (a deal's partners in touchpoint order, repeats kept). An empty path adds nothing. */
  addPath(partners: readonly string[], won: boolean): void {
    const path = this.path;
    path.length = 0;
    for (const partnerId of partners) path.push(this.intern(partnerId, 0, partnerId.length));
    this.addInterned(won);
  }

  /**
   * {@link addPath} for every path of a text in the {@link PATH_LINES} form, as the refit reads a
   * page of deals: the ids are looked up where they stand in it, so a page of 5,000 deals makes no
   * string or array per deal or per touchpoint.
   *
   * @example
   * counts.addPathLines('Wa,a,b\nLb'); // addPath(['a', 'a', 'b'], true), then addPath(['b'], false)
   */
  addPathLines(text: string): void {
    const { line, partner, won, lost } = PATH_LINES;
    const endOf = (separator: string, from: number, limit: number) => {
      const at = text.indexOf(separator, from);
      return at === -1 || at > limit ? limit : at;
    };
    for (let begin = 0; begin < text.length; ) {
      const lineEnd = endOf(line, begin, text.length);
      const mark = text[begin];
      if (mark !== won && mark !== lost) throw new Error(`path line at ${begin} starts with ${JSON.stringify(mark)}, not ${won} or ${lost}`);
      this.path.length = 0;
      for (let at = begin + 1, end = 0; at < lineEnd; at = end + 1) {
        end = endOf(partner, at, lineEnd);
        this.path.push(this.intern(text, at, end));
      }
      this.addInterned(mark === won);
      begin = lineEnd + 1;
    }
  }

  private addInterned(won: boolean): void {
    const path = this.path;
    if (path.length === 0) return;
    this.pathNumber += 1;
    const members = this.members;
    members.length = 0;
    let source = 0;
    let previous = -1;
    for (const partner of path) {
      if (partner === previous) continue;
      this.transitions.increment(source, partner + FIRST_PARTNER_TARGET);
      source = partner + 1;
      previous = partner;
      if (this.lastSeenOnPath[partner] !== this.pathNumber) {
        this.lastSeenOnPath[partner] = this.pathNumber;
        members.push(partner);
        this.pathsPerPartner[partner] = (this.pathsPerPartner[partner] as number) + 1;
      }
    }
    this.transitions.increment(source, won ? WON : LOST);
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
    this.coalitions.tally(members, members.length, won ? 1 : 0, won ? 0 : 1);
  }

  /**
   * The counts as flat arrays (typed arrays copy in one block between threads, where nested
   * maps are cloned entry by entry). {@link markovCountsOf} and {@link shapleyCountsOf} read it.
   */
  snapshot(): FitCountsSnapshot {
    const { transitions: pairs, coalitions } = this;
    const transitions = new Float64Array(3 * pairs.size);
    for (let e = 0; e < pairs.size; e += 1) {
      transitions[3 * e] = pairs.firsts[e] as number;
      transitions[3 * e + 1] = pairs.seconds[e] as number;
      transitions[3 * e + 2] = pairs.counts[e] as number;
    }
    return {
      partnerIds: [...this.ids],
      transitions,
      pathsPerPartner: Float64Array.from(this.pathsPerPartner),
      coalitionSizes: coalitions.sizes.slice(0, coalitions.size),
      coalitionMembers: coalitions.allMembers(),
      coalitionWon: coalitions.won.slice(0, coalitions.size),
      coalitionLost: coalitions.lost.slice(0, coalitions.size),
      won: this.won,
      lost: this.lost,
    };
  }

  /** What `countMarkovPath` would have counted from the same paths. */
  markovCounts = (): MarkovCounts => markovCountsOf(this.snapshot());
  /** What `countShapleyPath` would have counted from the same paths. */
  shapleyCounts = (): ShapleyCounts => shapleyCountsOf(this.snapshot());

  /** The index of the partner whose id is `text` from `begin` to `end`, interned on first sight. */
  private intern(text: string, begin: number, end: number): number {
    let hash = 0;
    for (let i = begin; i < end; i += 1) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] as number;
      if (entry === 0) return this.add(text.slice(begin, end), hash, slot);
      const id = this.ids[entry - 1] as string;
      if (this.hashes[entry - 1] === hash && id.length === end - begin && text.startsWith(id, begin)) return entry - 1;
    }
  }

  private add(partnerId: string, hash: number, slot: number): number {
    const index = this.ids.length;
    this.ids.push(partnerId);
    this.hashes.push(hash);
    this.slots[slot] = index + 1;
    this.pathsPerPartner.push(0);
    this.lastSeenOnPath.push(0);
    // At most half full, so probes stay short: twice the slots, every partner placed again.
    if (2 * this.ids.length > this.slots.length) {
      this.slots = new Int32Array(2 * this.slots.length);
      const mask = this.slots.length - 1;
      this.hashes.forEach((h, i) => {
        let at = h & mask;
        while (this.slots[at] !== 0) at = (at + 1) & mask;
        this.slots[at] = i + 1;
      });
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
