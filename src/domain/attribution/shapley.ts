import { coalitionKey, coalitionOf, compareIds, type PartnerPath } from './partner-path.js';

/** The deals whose partner set is exactly `partnerIds`. */
export interface ShapleyCoalition {
  /** Sorted by id. */
  partnerIds: string[];
  won: number;
  lost: number;
}

export interface ShapleyFit {
  model: 'shapley';
  /** The caller's label for this fit; explanations cite it. */
  version: number;
  wonDeals: number;
  lostDeals: number;
  /** Every partner set seen on a fitted deal, sorted by key (ids joined in order). */
  coalitions: ShapleyCoalition[];
}

/** A coalition of a game over players 0..n-1, with its value. */
export interface ValuedCoalition {
  members: readonly number[];
  value: number;
}

/** Won and lost deals per exact partner set, accumulated path by path (so deals can be streamed). */
export interface ShapleyCounts {
  byKey: Map<string, ShapleyCoalition>;
  won: number;
  lost: number;
}

/**
 * @example
 * const counts = emptyShapleyCounts();
 * for (const path of page) countShapleyPath(counts, path);
 */
export function emptyShapleyCounts(): ShapleyCounts {
  return { byKey: new Map(), won: 0, lost: 0 };
}

/**
 * Adds one deal to its exact partner set's count. An empty path adds nothing.
 *
 * @example
 * countShapleyPath(counts, { partners: ['b', 'a', 'b'], won: true }); // {a, b}: won + 1
 */
export function countShapleyPath(counts: ShapleyCounts, path: PartnerPath): void {
  if (path.partners.length === 0) return;
  const partnerIds = coalitionOf(path.partners);
  const key = coalitionKey(partnerIds);
  let coalition = counts.byKey.get(key);
  if (coalition === undefined) {
    coalition = { partnerIds, won: 0, lost: 0 };
    counts.byKey.set(key, coalition);
  }
  if (path.won) {
    coalition.won += 1;
    counts.won += 1;
  } else {
    coalition.lost += 1;
    counts.lost += 1;
  }
}

/**
 * Fits `shapley`: counts won and lost deals per exact partner set. Paths with
 * no partner are left out. Depends only on the multiset of paths.
 *
 * @example
 * fitShapley([{ partners: ['b', 'a'], won: true }, { partners: ['a', 'b', 'a'], won: false }], 3);
 * // → coalitions [{ partnerIds: ['a', 'b'], won: 1, lost: 1 }]
 */
export function fitShapley(paths: Iterable<PartnerPath>, version: number): ShapleyFit {
  const counts = emptyShapleyCounts();
  for (const path of paths) countShapleyPath(counts, path);
  return fitShapleyCounts(counts, version);
}

/**
 * {@link fitShapley} from counts accumulated with {@link countShapleyPath}; the coalitions are copied.
 *
 * @example
 * fitShapleyCounts(counts, 12);
 */
export function fitShapleyCounts(counts: ShapleyCounts, version: number): ShapleyFit {
  const coalitions = [...counts.byKey.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([, coalition]) => ({ ...coalition, partnerIds: [...coalition.partnerIds] }));
  return { model: 'shapley', version, wonDeals: counts.won, lostDeals: counts.lost, coalitions };
}

/** A coalition's value: its win rate. */
export function winRate(coalition: ShapleyCoalition): number {
  return coalition.won / (coalition.won + coalition.lost);
}

/**
 * The Shapley value of each of `partners` in the game on exactly those partners
 * whose value for a subset S is the win rate of the deals whose partner set is
 * exactly S (0 where the fit has none). Exact for any number of partners (see
 * {@link shapleyFromCoalitions}); negative values are returned as they are
 * (the weigher counts them as 0). Each value does not depend on the order of `partners`.
 *
 * @example
 * // fit: {a} won 3 of 4, {a, b} won 1 of 1
 * shapleyValues(fit, ['a', 'b']); // [0.75 / 2 + (1 - 0) / 2, (1 - 0.75) / 2] = [0.875, 0.125]
 */
export function shapleyValues(fit: ShapleyFit, partners: readonly string[]): number[] {
  const index = new Map(partners.map((partnerId, i) => [partnerId, i]));
  const coalitions = coalitionsWithin(fit, partners).map(
    (coalition): ValuedCoalition => ({
      members: coalition.partnerIds.map((partnerId) => index.get(partnerId) as number),
      value: winRate(coalition),
    }),
  );
  return shapleyFromCoalitions(partners.length, coalitions);
}

/**
 * The fit's coalitions that are subsets of `partners`, in the fit's order.
 * Up to 12 partners every subset is looked up (at most 4095); past that the
 * coalitions of each partner are scanned instead, so the cost stays bounded
 * by the fit's size, never by 2ⁿ.
 */
export function coalitionsWithin(fit: ShapleyFit, partners: readonly string[]): ShapleyCoalition[] {
  const { byKey, byFirstPartner } = indexOf(fit);
  const sorted = coalitionOf(partners);
  const found: { key: string; coalition: ShapleyCoalition }[] = [];
  if (sorted.length <= 12) {
    for (let mask = 1; mask < 1 << sorted.length; mask += 1) {
      const key = coalitionKey(sorted.filter((_, bit) => (mask >> bit) & 1));
      const coalition = byKey.get(key);
      if (coalition !== undefined) found.push({ key, coalition });
    }
  } else {
    const members = new Set(sorted);
    for (const partnerId of sorted) {
      for (const coalition of byFirstPartner.get(partnerId) ?? []) {
        if (coalition.partnerIds.every((id) => members.has(id))) {
          found.push({ key: coalitionKey(coalition.partnerIds), coalition });
        }
      }
    }
  }
  return found.sort((a, b) => compareIds(a.key, b.key)).map(({ coalition }) => coalition);
}

/**
 * Exact Shapley values of a game on players 0..size-1 whose value is 0 except
 * on the listed coalitions (v(∅) = 0). Each coalition T adds to every player i
 * `v(T) · (|T|-1)!(n-|T|)!/n!` if i ∈ T and subtracts `v(T) · |T|!(n-|T|-1)!/n!`
 * otherwise: the usual marginal-contribution sum regrouped by coalition. This
 * is Zhao et al.'s (2018) observation that only coalitions that occur cost
 * anything, so the work is |coalitions| · n instead of 2ⁿ.
 *
 * @example
 * // v({0}) = 4, v({0, 1}) = 10 → [7, 3]
 * shapleyFromCoalitions(2, [{ members: [0], value: 4 }, { members: [0, 1], value: 10 }]);
 */
export function shapleyFromCoalitions(size: number, coalitions: readonly ValuedCoalition[]): number[] {
  const inside = Array.from({ length: size + 1 }, (_, s) => (s === 0 ? 0 : orderWeight(size, s - 1)));
  const outside = Array.from({ length: size + 1 }, (_, s) => (s >= size ? 0 : orderWeight(size, s)));
  const values = new Array<number>(size).fill(0);
  const isMember = new Uint8Array(size);
  for (const { members, value } of coalitions) {
    if (value === 0 || members.length === 0) continue;
    for (const member of members) isMember[member] = 1;
    const s = members.length;
    const [gain, loss] = [value * (inside[s] as number), value * (outside[s] as number)];
    for (let i = 0; i < size; i += 1) values[i] = (values[i] as number) + (isMember[i] ? gain : -loss);
    for (const member of members) isMember[member] = 0;
  }
  return values;
}

/** s!(n-s-1)!/n! = 1 / (n · C(n-1, s)): the weight of one coalition of size s joined by one more player. */
function orderWeight(n: number, s: number): number {
  let binomial = 1;
  for (let k = 1; k <= s; k += 1) binomial = (binomial * (n - s + k - 1)) / k;
  return 1 / (n * binomial);
}

interface FitIndex {
  byKey: Map<string, ShapleyCoalition>;
  byFirstPartner: Map<string, ShapleyCoalition[]>;
}

// Built once per fit object; the fit is immutable once made.
const indexes = new WeakMap<ShapleyFit, FitIndex>();

function indexOf(fit: ShapleyFit): FitIndex {
  let index = indexes.get(fit);
  if (index === undefined) {
    index = { byKey: new Map(), byFirstPartner: new Map() };
    for (const coalition of fit.coalitions) {
      index.byKey.set(coalitionKey(coalition.partnerIds), coalition);
      const first = coalition.partnerIds[0] as string;
      const list = index.byFirstPartner.get(first);
      if (list === undefined) index.byFirstPartner.set(first, [coalition]);
      else list.push(coalition);
    }
    indexes.set(fit, index);
  }
  return index;
}
