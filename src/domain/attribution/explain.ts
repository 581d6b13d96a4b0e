import { formatRational, gcd } from '../exact-decimal.js';
import { toExactIntegers } from '../exact-weights.js';
import { allocateBasisPoints, currencyDigits } from '../money.js';
import { byPayoutThenPartner } from '../ranking.js';
import type { Touchpoint } from '../touchpoint.js';
import { excludedRule, fallbackRules, touchpointRules } from './explain-rules.js';
import { WEIGHT_SCALE } from './fitted-weight.js';
import { isDataDrivenModel, type ModelName } from './models.js';
import type { AttributionOptions } from './options.js';
import { weighDeal } from './weigh-deal.js';
import type { AttributionDeal } from './weigher.js';

export interface TouchpointExplanation {
  touchpoint: Touchpoint;
  weight: number;
  /** How the weight arose, in words: "closer: role weight 35". */
  rule: string;
}

export interface PartnerExplanation {
  partnerId: string;
  /**
   * The partner's weight in the split (1 each under the equal fallback). For markov and shapley
   * the fitted value it stands for (0.9), while `share` is over the integer weights (10⁻⁹ units)
   * that were split, in the same ratio.
   */
  weight: number;
  /** weight / sum of weights, exactly, reduced; decimal strings of integers. */
  share: { numerator: string; denominator: string };
  /** amount × share in major units, exact when it ends within 12 decimals past the minor unit, else cut with "…". */
  exactPayout: string;
  /** Minor units, exactly what `attribute` pays. */
  payoutMinor: number;
  /** Minor units the largest-remainder step added to the floor of the exact payout (0 or 1). */
  roundingUnits: number;
  basisPoints: number;
  touchpoints: TouchpointExplanation[];
}

export interface ExplanationSettings {
  lookbackDays: number | null;
  roleWeights?: AttributionOptions['roleWeights'];
  halfLifeDays?: number;
  fit?: { model: 'markov' | 'shapley'; version: number; wonDeals: number; lostDeals: number };
}

export interface AttributionExplanation {
  model: ModelName;
  fallback?: 'equal';
  settings: ExplanationSettings;
  /** In `attribute`'s order: payout descending, then partner id. */
  partners: PartnerExplanation[];
  /** Touchpoints the lookback window left out, oldest first, each with weight 0. */
  excluded: TouchpointExplanation[];
  rounding: { method: 'largest-remainder'; leftoverUnits: number; tieBreak: string };
}

const TIE_RULE = 'equal remainders go to the partner whose first touchpoint came first (timestamp, then recording order)';

/**
 * Why each partner gets what `attribute` pays it under `model`: its weight,
 * the exact share, the unrounded payout, the units rounding added and each
 * touchpoint's weight with its rule. The payouts are computed here a second
 * time, in exact integers, independently of `allocate`; the tests check they
 * are the same. `deal.currency` sets the decimals of `exactPayout`.
 *
 * @example
 * explainAttribution({ amountMinor: 10000, closedAt, currency: 'USD' }, touchpoints, 'linear', options)
 * // → { partners: [{ partnerId: 'p1', weight: 2, share: { numerator: '2', denominator: '3' },
 * //      exactPayout: '66.666666666666…', payoutMinor: 6667, roundingUnits: 1, ... }], ... }
 */
export function explainAttribution(
  deal: AttributionDeal & { currency: string },
  touchpoints: readonly Touchpoint[],
  model: ModelName,
  options: AttributionOptions,
): AttributionExplanation {
  const weighed = weighDeal(deal, touchpoints, model, options);
  const { counted, excluded, partners, modelWeights, weights, fallback } = weighed;
  const lookbackDays = options.lookbackDays ?? null;
  const excludedRules = excluded.map((touchpoint) => ({
    touchpoint,
    ...excludedRule(deal.closedAt, touchpoint, lookbackDays ?? 0),
  }));
  const settings = settingsUsed(model, options);
  const base = { model, settings, excluded: excludedRules };
  if (partners.length === 0) {
    return { ...base, partners: [], rounding: { method: 'largest-remainder', leftoverUnits: 0, tieBreak: TIE_RULE } };
  }

  const input = { deal, touchpoints: counted, partners, options };
  const modelRules = touchpointRules(model, input, modelWeights);
  const rules = fallback ? fallbackRules(input, modelRules) : modelRules;
  const split = splitExactly(deal.amountMinor, weights);
  const basisPoints = allocateBasisPoints(weights);
  const digits = currencyDigits(deal.currency);
  // Fitted weights are integers of 10⁻⁹ for allocate(); people read them as the value they stand for (0.9, not 900000000).
  const shown = isDataDrivenModel(model) && !fallback ? (weight: number) => weight / WEIGHT_SCALE : (weight: number) => weight;

  const explained = partners.map((partnerId, i): PartnerExplanation => {
    const { numerator, denominator } = split.shares[i] as ExactShare;
    return {
      partnerId,
      weight: shown(weights[i] ?? 0),
      share: { numerator: String(numerator), denominator: String(denominator) },
      exactPayout: formatRational(BigInt(deal.amountMinor) * numerator, denominator, digits),
      payoutMinor: split.payouts[i] ?? 0,
      roundingUnits: split.roundingUnits[i] ?? 0,
      basisPoints: basisPoints[i] ?? 0,
      touchpoints: counted.flatMap((touchpoint, t) =>
        touchpoint.partnerId === partnerId
          ? [{ touchpoint, weight: shown(rules[t]?.weight ?? 0), rule: rules[t]?.rule ?? '' }]
          : [],
      ),
    };
  });
  explained.sort(byPayoutThenPartner);
  const tieBreak = split.tie === undefined ? `${TIE_RULE}; no tie decided a unit here` : `${TIE_RULE}: ${describeTie(split.tie, partners)}`;
  return {
    ...base,
    ...(fallback ? { fallback: 'equal' as const } : {}),
    partners: explained,
    rounding: { method: 'largest-remainder', leftoverUnits: split.leftover, tieBreak },
  };
}

interface ExactShare {
  numerator: bigint;
  denominator: bigint;
}

interface ExactSplit {
  shares: ExactShare[];
  payouts: number[];
  roundingUnits: number[];
  leftover: number;
  /** Partner indexes with the remainder at the cut, those given a unit first. */
  tie?: { won: number[]; lost: number[] };
}

/** Largest remainder in exact integers, written out step by step (the explanation's own arithmetic). */
function splitExactly(amountMinor: number, weights: readonly number[]): ExactSplit {
  const exact = toExactIntegers(weights);
  const total = exact.reduce((sum, weight) => sum + weight, 0n);
  const big = BigInt(amountMinor);
  const shares = exact.map((weight) => {
    const divisor = gcd(weight, total);
    return { numerator: weight / divisor, denominator: total / divisor };
  });
  const floors = exact.map((weight) => (big * weight) / total);
  const remainders = exact.map((weight) => (big * weight) % total);
  const leftover = Number(big - floors.reduce((sum, floor) => sum + floor, 0n));
  const ranked = exact.map((_, i) => i);
  ranked.sort((a, b) => {
    const [ra, rb] = [remainders[a] as bigint, remainders[b] as bigint];
    return ra === rb ? a - b : ra > rb ? -1 : 1;
  });
  const roundingUnits = exact.map(() => 0);
  for (const i of ranked.slice(0, leftover)) roundingUnits[i] = 1;
  const payouts = floors.map((floor, i) => Number(floor) + (roundingUnits[i] ?? 0));
  return { shares, payouts, roundingUnits, leftover, ...tieAtCut(ranked, remainders, leftover) };
}

function tieAtCut(ranked: readonly number[], remainders: readonly bigint[], leftover: number): Pick<ExactSplit, 'tie'> {
  if (leftover === 0 || leftover >= ranked.length) return {};
  const cut = remainders[ranked[leftover - 1] as number];
  if (remainders[ranked[leftover] as number] !== cut) return {};
  const tied = ranked.filter((i) => remainders[i] === cut);
  const won = tied.filter((i) => ranked.indexOf(i) < leftover);
  return { tie: { won, lost: tied.filter((i) => !won.includes(i)) } };
}

function describeTie(tie: { won: number[]; lost: number[] }, partners: readonly string[]): string {
  const names = (indexes: number[]) => indexes.map((i) => partners[i]).join(', ');
  return `${names(tie.won)} touched the deal before ${names(tie.lost)}, with the same remainder`;
}

function settingsUsed(model: ModelName, options: AttributionOptions): ExplanationSettings {
  const settings: ExplanationSettings = { lookbackDays: options.lookbackDays ?? null };
  if (model === 'role-based') settings.roleWeights = options.roleWeights;
  if (model === 'time-decay') settings.halfLifeDays = options.halfLifeDays;
  const fit = model === 'markov' ? options.markovFit : model === 'shapley' ? options.shapleyFit : undefined;
  if (fit !== undefined) {
    settings.fit = { model: fit.model, version: fit.version, wonDeals: fit.wonDeals, lostDeals: fit.lostDeals };
  }
  return settings;
}
