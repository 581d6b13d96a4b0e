import {
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_ROLE_WEIGHTS,
  type AttributionModel,
  type ModelName,
  type TouchpointType,
} from '../../domain/attribution/index.js';
import type { Db } from '../../storage/db.js';
import { readSetting } from '../../storage/settings.js';

export interface AttributionSettings {
  default_model: ModelName;
  role_weights: Record<TouchpointType, number>;
  half_life_days: number;
  /** Touchpoints more than this many days before the close count for no model and no fit; null: no window. */
  lookback_days: number | null;
}

/** The settings with their revision: it goes up each time a change alters what a model computes. */
export interface StoredAttributionSettings extends AttributionSettings {
  revision: number;
  /** The revision at which `lookback_days` last changed: every model's results before it are outdated. */
  lookback_revision: number;
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

/**
 * The oldest settings revision a stored result of `model` may have been computed under and still
 * be current: the last change of its own setting, or of the lookback window, which every model reads.
 */
export function oldestCurrentRevision(model: string, settings: StoredAttributionSettings): number {
  return dependsOnSettings(model) ? settings.revision : settings.lookback_revision;
}

/** The stored settings, with the defaults filled in for anything never set. */
export async function readAttributionSettings(db: Db, defaultModel: AttributionModel): Promise<StoredAttributionSettings> {
  return withDefaults(await readSetting<Partial<StoredAttributionSettings>>(db, ATTRIBUTION_SETTINGS_KEY), defaultModel);
}

/**
 * The settings from their stored JSON (read along with something else), defaults filled in.
 * Frozen, and the same object for the same JSON as the previous call: every stored
 * GET /attribution parses the settings it read, and they rarely change.
 */
export function parseAttributionSettings(json: string | null | undefined, defaultModel: AttributionModel): Readonly<StoredAttributionSettings> {
  const last = lastParsed;
  if (last && last.json === (json ?? null) && last.defaultModel === defaultModel) return last.settings;
  const settings = withDefaults(json ? (JSON.parse(json) as Partial<StoredAttributionSettings>) : undefined, defaultModel);
  Object.freeze(settings.role_weights);
  lastParsed = { json: json ?? null, defaultModel, settings: Object.freeze(settings) };
  return settings;
}

let lastParsed: { json: string | null; defaultModel: AttributionModel; settings: Readonly<StoredAttributionSettings> } | undefined;

function withDefaults(stored: Partial<StoredAttributionSettings> | undefined, defaultModel: AttributionModel): StoredAttributionSettings {
  return {
    default_model: stored?.default_model ?? defaultModel,
    role_weights: { ...DEFAULT_ROLE_WEIGHTS, ...stored?.role_weights },
    half_life_days: stored?.half_life_days ?? DEFAULT_HALF_LIFE_DAYS,
    lookback_days: stored?.lookback_days ?? null,
    revision: stored?.revision ?? 0,
    lookback_revision: stored?.lookback_revision ?? 0,
  };
}
