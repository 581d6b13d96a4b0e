import {
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_ROLE_WEIGHTS,
  type AttributionModel,
  type TouchpointType,
} from '../domain/attribution/index.js';
import type { Db } from '../storage/db.js';
import { readSetting } from '../storage/settings.js';

export interface AttributionSettings {
  default_model: AttributionModel;
  role_weights: Record<TouchpointType, number>;
  half_life_days: number;
}

export const ATTRIBUTION_SETTINGS_KEY = 'attribution';

/** The stored settings, with the defaults filled in for anything never set. */
export async function readAttributionSettings(db: Db, defaultModel: AttributionModel): Promise<AttributionSettings> {
  const stored = await readSetting<Partial<AttributionSettings>>(db, ATTRIBUTION_SETTINGS_KEY);
  return {
    default_model: stored?.default_model ?? defaultModel,
    role_weights: { ...DEFAULT_ROLE_WEIGHTS, ...stored?.role_weights },
    half_life_days: stored?.half_life_days ?? DEFAULT_HALF_LIFE_DAYS,
  };
}
