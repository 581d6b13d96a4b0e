export { attribute, type AttributionOutcome, type PartnerShare } from './attribute.js';
export {
  ATTRIBUTION_MODELS,
  DATA_DRIVEN_MODELS,
  isAttributionModel,
  isDataDrivenModel,
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
export { ROLE_DISPLAY_ORDER, describeRoles } from './roles.js';
export type { AttributionDeal, PartnerWeigher, WeighingInput } from './weigher.js';
export { TOUCHPOINT_TYPES, type Touchpoint, type TouchpointType } from '../touchpoint.js';
