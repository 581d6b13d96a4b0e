import {
  ATTRIBUTION_MODELS,
  DATA_DRIVEN_MODELS,
  winRate,
  packedRowTotals,
  packedTransition,
  type PackedMarkovFit,
  type ModelName,
  type ShapleyCoalition,
  type ShapleyFit,
} from '../../domain/attribution/index.js';
import { firstInOrder } from '../../domain/ranking.js';
import type { FitHead } from '../../storage/attribution-fits.js';
import type { ServiceContext } from '../context.js';
import type { StoredFit } from './fit-cache.js';
import { ensureCurrentFits } from './fits.js';
import { readAttributionSettings, type AttributionSettings } from './settings-values.js';

/** One line per model, in words a finance person can read. */
export const MODEL_DESCRIPTIONS: Record<ModelName, string> = {
  equal: 'Every partner with a touchpoint on the deal gets the same share.',
  'first-touch': 'The partner of the earliest touchpoint gets everything.',
  'last-touch': 'The partner of the latest touchpoint gets everything.',
  'role-based': "Each partner weighs the role weights of the distinct touchpoint types it has on the deal.",
  'time-decay': 'Each touchpoint weighs 2^(-age / half-life): the closer to the close, the heavier.',
  linear: 'Each touchpoint weighs 1: a partner with 3 of 4 touchpoints gets 75%.',
  'position-based': '40% to the first touchpoint, 40% to the last, 20% shared by those between.',
  markov: "Data-driven: each partner's removal effect in a Markov chain fitted on every won and lost deal's partner path.",
  shapley: "Data-driven: each partner's Shapley value, where a set of partners is worth the win rate of the deals they made up exactly.",
};

export interface ModelSummary {
  model: ModelName;
  kind: 'rule-based' | 'data-driven';
  description: string;
  parameters: Partial<Pick<AttributionSettings, 'role_weights' | 'half_life_days' | 'lookback_days'>>;
  /** Data-driven models: the current fit, undefined before the first one. */
  fit?: FitHead | undefined;
}

/** Every model with the parameters it runs with now. Never fits: a model not yet fitted shows no fit. */
export async function listModels(ctx: ServiceContext): Promise<ModelSummary[]> {
  const settings = await readAttributionSettings(ctx.db, ctx.defaultModel);
  const fits = await ctx.fits.current(ctx.db);
  const lookback = { lookback_days: settings.lookback_days };
  return [
    ...ATTRIBUTION_MODELS.map((model): ModelSummary => {
      const parameters =
        model === 'role-based'
          ? { role_weights: settings.role_weights, ...lookback }
          : model === 'time-decay'
            ? { half_life_days: settings.half_life_days, ...lookback }
            : lookback;
      return { model, kind: 'rule-based', description: MODEL_DESCRIPTIONS[model], parameters };
    }),
    ...DATA_DRIVEN_MODELS.map(
      (model): ModelSummary => ({
        model,
        kind: 'data-driven',
        description: MODEL_DESCRIPTIONS[model],
        parameters: lookback,
        fit: fits[model]?.head,
      }),
    ),
  ];
}

/** The current markov fit (fitted now if there is none), its lists cut to `limit`, the most telling first. */
export async function getMarkovFit(ctx: ServiceContext, limit: number) {
  const stored = (await ensureCurrentFits(ctx)).markov as StoredFit<PackedMarkovFit>;
  const listing = listingOf(stored.fit);
  return {
    head: stored.head,
    conversion: stored.fit.conversion,
    partners: listing.partners.slice(0, limit),
    partnersTotal: listing.partners.length,
    transitions: Array.from(firstTransitions(listing, limit), (k) => packedTransition(stored.fit, listing.totals, k)),
    transitionsTotal: listing.entries,
  };
}

/** The current shapley fit (fitted now if there is none), coalitions by deals, then key, cut to `limit`. */
export async function getShapleyFit(ctx: ServiceContext, limit: number) {
  const stored = (await ensureCurrentFits(ctx)).shapley as StoredFit<ShapleyFit>;
  const { coalitions } = stored.fit;
  return {
    head: stored.head,
    coalitions: Array.from(firstCoalitions(stored.fit, limit), (c) => {
      const coalition = coalitions[c] as ShapleyCoalition;
      return { ...coalition, winRate: winRate(coalition) };
    }),
    coalitionsTotal: coalitions.length,
  };
}

/**
 * A markov fit's lists in the order they are shown: partners by removal effect, then id;
 * transitions (entries of the packed table, made into objects only for the page asked for) by
 * count, then from, then to, ids and the states start, won and lost compared as text, each
 * entry's two ends ranked once so the order compares numbers.
 */
interface MarkovListing {
  partners: PackedMarkovFit['partners'];
  totals: Float64Array;
  entries: number;
  compareEntries: (a: number, b: number) => number;
  /** The first transitions in order, as many as the longest page asked for so far (all once a page asked for most). */
  first: Uint32Array;
}

// A stored fit never changes: its listing is made once per fit.
const listings = new WeakMap<PackedMarkovFit, MarkovListing>();

function listingOf(fit: PackedMarkovFit): MarkovListing {
  let listing = listings.get(fit);
  if (listing === undefined) {
    const table = fit.transitionTable;
    const entries = table.length / 3;
    const ids = fit.partners.map((partner) => partner.partnerId);
    const rank = new Map([...ids, 'start', 'won', 'lost'].sort(compare).map((name, r) => [name, r]));
    const rankOf = (name: string) => rank.get(name) as number;
    const idRanks = Int32Array.from(ids, rankOf);
    // Table codes: from −1 is start; to −1 is won, −2 lost (markov.ts).
    const [start, won, lost] = [rankOf('start'), rankOf('won'), rankOf('lost')];
    const [counts, fromRanks, toRanks] = [new Float64Array(entries), new Int32Array(entries), new Int32Array(entries)];
    // Plain loads, not destructuring: run once per fit, mostly unoptimised (see markov-packed.ts).
    for (let k = 0; k < entries; k += 1) {
      const from = table[3 * k] as number;
      const to = table[3 * k + 1] as number;
      counts[k] = table[3 * k + 2] as number;
      fromRanks[k] = from === -1 ? start : (idRanks[from] as number);
      toRanks[k] = to === -1 ? won : to === -2 ? lost : (idRanks[to] as number);
    }
    listing = {
      partners: [...fit.partners].sort((a, b) => b.removalEffect - a.removalEffect || compare(a.partnerId, b.partnerId)),
      totals: packedRowTotals(fit),
      entries,
      compareEntries: (a, b) =>
        (counts[b] as number) - (counts[a] as number) || (fromRanks[a] as number) - (fromRanks[b] as number) || (toRanks[a] as number) - (toRanks[b] as number),
      first: new Uint32Array(0),
    };
    listings.set(fit, listing);
  }
  return listing;
}

/** The first `limit` transitions in order (see {@link longerFirst}). */
function firstTransitions(listing: MarkovListing, limit: number): Uint32Array {
  listing.first = longerFirst(listing.first, listing.entries, limit, listing.compareEntries);
  return listing.first.subarray(0, limit);
}

// The first coalitions of each fit in order, as many as the longest page asked for so far.
const firstOfShapley = new WeakMap<ShapleyFit, Uint32Array>();

/**
 * The first `limit` coalitions by deals, then key. The fit keeps its coalitions sorted by key
 * (ids joined in order, `ShapleyFit`), so ties go by position, and no key is built or compared
 * (the sort this replaced joined two keys per comparison: 120 ms a page at 128,000 coalitions).
 */
function firstCoalitions(fit: ShapleyFit, limit: number): Uint32Array {
  const known = firstOfShapley.get(fit) ?? new Uint32Array(0);
  const first = longerFirst(known, fit.coalitions.length, limit, (a, b) => {
    const [x, y] = [fit.coalitions[a] as ShapleyCoalition, fit.coalitions[b] as ShapleyCoalition];
    return y.won + y.lost - (x.won + x.lost) || a - b;
  });
  firstOfShapley.set(fit, first);
  return first.subarray(0, limit);
}

/**
 * The first entries of a list of `count` in `compare`'s order, at least `limit` of them, from
 * `known` (the first ones found so far) when it has enough. A page much shorter than the list is
 * selected (the first `GET /attribution-models/markov` after a refit sorted all 268,000
 * transitions for a page of 1,000: 80–120 ms); a longer one sorts the whole list, once.
 */
function longerFirst(known: Uint32Array, count: number, limit: number, compare: (a: number, b: number) => number): Uint32Array {
  if (limit <= known.length || known.length === count) return known;
  return limit * 8 <= count ? firstInOrder(count, limit, compare) : Uint32Array.from({ length: count }, (_, k) => k).sort(compare);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
