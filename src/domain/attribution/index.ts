export { attribute, type AttributionOutcome, type PartnerShare } from './attribute.js';
export {
  explainAttribution,
  type AttributionExplanation,
  type ExplanationSettings,
  type PartnerExplanation,
  type TouchpointExplanation,
} from './explain.js';
export { WEIGHT_SCALE, formatFittedWeight, toFittedWeight } from './fitted-weight.js';
export { MS_PER_DAY, isWithinLookback, splitByLookback } from './lookback.js';
export {
  fitMarkov,
  fitMarkovCounts,
  packMarkovFit,
  packedRowTotals,
  packedTransition,
  readStoredMarkovFit,
  type MarkovFit,
  type MarkovWeights,
  type MarkovPartner,
  type MarkovTransition,
  type PackedMarkovFit,
} from './markov.js';
export { fitPackedMarkov } from './markov-packed.js';
export { packShapleyFit, readStoredShapleyFit, type PackedShapleyFit } from './shapley-packed.js';
export { fitPackedShapley } from './shapley-snapshots.js';
export { countMarkovPath, emptyMarkovCounts, type MarkovCounts } from './markov-counts.js';
export { FitCounts, markovCountsOf, PATH_LINES, shapleyCountsOf, type FitCountsSnapshot } from './fit-counts.js';
export { snapshotPartnerIds } from './snapshot-partners.js';
export { chainWorkspace } from './absorbing-chain.js';
export { helpFactorLU } from './dense-lu.js';
export { helpInverseDiagonal } from './inverse-diagonal.js';
export { SimdWorkspace, type SharedPart, type SharedSimdWorkspace } from './simd-workspace.js';
export {
  ATTRIBUTION_MODELS,
  DATA_DRIVEN_MODELS,
  isAttributionModel,
  isDataDrivenModel,
  MODEL_NAMES,
  type AttributionModel,
  type DataDrivenModel,
  type ModelName,
} from './models.js';
export {
  DEFAULT_ATTRIBUTION_OPTIONS,
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_ROLE_WEIGHTS,
  assertAttributionOptions,
  type AttributionOptions,
} from './options.js';
export { coalitionKey, coalitionOf, collapseRepeats, dealPath, type PartnerPath } from './partner-path.js';
export { ROLE_DISPLAY_ORDER, describeRoles } from './roles.js';
export {
  countShapleyPath,
  emptyShapleyCounts,
  fitShapley,
  fitShapleyCounts,
  shapleyFromCoalitions,
  shapleyValues,
  winRate,
  type ShapleyCoalition,
  type ShapleyCounts,
  type ShapleyFit,
  type ValuedCoalition,
} from './shapley.js';
export type { AttributionDeal, PartnerWeigher, WeighingInput } from './weigher.js';
export { TOUCHPOINT_TYPES, type Touchpoint, type TouchpointType } from '../touchpoint.js';
