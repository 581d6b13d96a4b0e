import {
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_ROLE_WEIGHTS,
  type AttributionModel,
  type TouchpointType,
} from '../../domain/attribution/index.js';
import type { Db } from '../../storage/db.js';
import { readSetting } from '../../storage/settings.js';

export interface AttributionSettings {
  default_model: AttributionModel;
  role_weights: Record<TouchpointType, number>;
  half_life_days: number;
}

/** The settings with their revision: it goes up each time a change alters what a model computes. */
export interface StoredAttributionSettings extends AttributionSettings {
  revision: number;
}

export const ATTRIBUTION_SETTINGS_KEY = 'attribution';

/**
 * Which setting each settings-dependent model reads. A change to it recomputes the model's
 * stored results; the other models ignore the settings (roles are ordered on read).
 */
export const SETTINGS_INPUTS = {
  'role-based': 'role_weights',
  'time-decay': 'half_life_days',
} as const satisfies Partial<Record<AttributionModel, keyof AttributionSettings>>;

export const SETTINGS_DEPENDENT_MODELS = Object.keys(SETTINGS_INPUTS) as (keyof typeof SETTINGS_INPUTS)[];

export const dependsOnSettings = (model: string) => Object.hasOwn(SETTINGS_INPUTS, model);

/** The stored settings, with the defaults filled in for anything never set. */
export async function readAttributionSettings(db: Db, defaultModel: AttributionModel): Promise<StoredAttributionSettings> {
  return withDefaults(await readSetting<Partial<StoredAttributionSettings>>(db, ATTRIBUTION_SETTINGS_KEY), defaultModel);
}

/** The settings from their stored JSON (read along with something else), defaults filled in. */
export function parseAttributionSettings(json: string | null | undefined, defaultModel: AttributionModel): StoredAttributionSettings {
  return withDefaults(json ? (JSON.parse(json) as Partial<StoredAttributionSettings>) : undefined, defaultModel);
}

function withDefaults(stored: Partial<StoredAttributionSettings> | undefined, defaultModel: AttributionModel): StoredAttributionSettings {
  return {
    default_model: stored?.default_model ?? defaultModel,
    role_weights: { ...DEFAULT_ROLE_WEIGHTS, ...stored?.role_weights },
    half_life_days: stored?.half_life_days ?? DEFAULT_HALF_LIFE_DAYS,
    revision: stored?.revision ?? 0,
  };
}
