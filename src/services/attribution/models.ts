import {
  ATTRIBUTION_MODELS,
  DATA_DRIVEN_MODELS,
  winRate,
  type MarkovFit,
  type ModelName,
  type ShapleyFit,
} from '../../domain/attribution/index.js';
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
  const stored = (await ensureCurrentFits(ctx)).markov as StoredFit<MarkovFit>;
  const { partners, transitions } = mostTellingFirst(stored.fit);
  return {
    head: stored.head,
    conversion: stored.fit.conversion,
    partners: partners.slice(0, limit),
    partnersTotal: partners.length,
    transitions: transitions.slice(0, limit),
    transitionsTotal: transitions.length,
  };
}

/** The current shapley fit (fitted now if there is none), coalitions by deals, then key, cut to `limit`. */
export async function getShapleyFit(ctx: ServiceContext, limit: number) {
  const stored = (await ensureCurrentFits(ctx)).shapley as StoredFit<ShapleyFit>;
  const coalitions = [...stored.fit.coalitions].sort(
    (a, b) => b.won + b.lost - (a.won + a.lost) || compare(a.partnerIds.join('\u0000'), b.partnerIds.join('\u0000')),
  );
  return {
    head: stored.head,
    coalitions: coalitions.slice(0, limit).map((coalition) => ({ ...coalition, winRate: winRate(coalition) })),
    coalitionsTotal: coalitions.length,
  };
}

// A stored fit never changes: its lists are sorted once per fit (268,000 transitions at 2,000 partners).
const sortedFits = new WeakMap<MarkovFit, { partners: MarkovFit['partners']; transitions: MarkovFit['transitions'] }>();

function mostTellingFirst(fit: MarkovFit) {
  let sorted = sortedFits.get(fit);
  if (sorted === undefined) {
    sorted = {
      partners: [...fit.partners].sort((a, b) => b.removalEffect - a.removalEffect || compare(a.partnerId, b.partnerId)),
      transitions: [...fit.transitions].sort((a, b) => b.count - a.count || compare(a.from, b.from) || compare(a.to, b.to)),
    };
    sortedFits.set(fit, sorted);
  }
  return sorted;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
