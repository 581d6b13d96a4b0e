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
    members.sort((a, b) => a - b);
    const key = members.length === 1 ? String(members[0]) : members.join(',');
    let tally = this.coalitions.get(key);
    if (tally === undefined) {
      tally = { members: [...members], won: 0, lost: 0 };
      this.coalitions.set(key, tally);
    }
    if (won) tally.won += 1;
    else tally.lost += 1;
  }

  /** What `countMarkovPath` would have counted from the same paths. */
  markovCounts(): MarkovCounts {
    const targetKey = (target: number) =>
      target === WON ? WON_KEY : target === LOST ? LOST_KEY : (this.ids[target - FIRST_PARTNER_TARGET] as string);
    const transitions = new Map<string, Map<string, number>>();
    this.transitions.forEach((out, source) => {
      if (out.size === 0) return;
      const from = source === 0 ? START_KEY : (this.ids[source - 1] as string);
      transitions.set(from, new Map([...out].map(([target, count]) => [targetKey(target), count])));
    });
    const pathsPerPartner = new Map(this.ids.map((id, i) => [id, this.pathsPerPartner[i] as number]));
    return { transitions, pathsPerPartner, won: this.won, lost: this.lost };
  }

  /** What `countShapleyPath` would have counted from the same paths. */
  shapleyCounts(): ShapleyCounts {
    const byKey = new Map<string, ShapleyCoalition>();
    for (const tally of this.coalitions.values()) {
      const partnerIds = tally.members.map((member) => this.ids[member] as string).sort(compareIds);
      byKey.set(coalitionKey(partnerIds), { partnerIds, won: tally.won, lost: tally.lost });
    }
    return { byKey, won: this.won, lost: this.lost };
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

function increment(counts: Map<number, number>, key: number): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
