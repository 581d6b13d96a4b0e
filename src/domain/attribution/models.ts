/** The rule-based models: pure functions of one deal's touchpoints. */
export const ATTRIBUTION_MODELS = [
  'equal',
  'first-touch',
  'last-touch',
  'role-based',
  'time-decay',
  'linear',
  'position-based',
] as const;

export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/**
 * Models whose weights come from a fit over all won and lost deals
 * (`fitMarkov`, `fitShapley`); `attribute` takes the fit as
 * `options.markovFit` / `options.shapleyFit`.
 */
export const DATA_DRIVEN_MODELS = ['markov', 'shapley'] as const;

export type DataDrivenModel = (typeof DATA_DRIVEN_MODELS)[number];

/** Any model `attribute` can run, given a fitted model for the data-driven ones. */
export type ModelName = AttributionModel | DataDrivenModel;

/** Every model's name: the rule-based ones, then the data-driven ones. */
export const MODEL_NAMES = [...ATTRIBUTION_MODELS, ...DATA_DRIVEN_MODELS] as const;

/**
 * @example
 * isAttributionModel('linear'); // true
 * isAttributionModel('markov'); // false (data-driven)
 */
export function isAttributionModel(value: string): value is AttributionModel {
  return (ATTRIBUTION_MODELS as readonly string[]).includes(value);
}

/**
 * @example
 * isDataDrivenModel('shapley'); // true
 */
export function isDataDrivenModel(value: string): value is DataDrivenModel {
  return (DATA_DRIVEN_MODELS as readonly string[]).includes(value);
}
