import {
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_ROLE_WEIGHTS,
  TOUCHPOINT_TYPES,
  type AttributionModel,
  type TouchpointType,
} from '../domain/attribution/index.js';
import { invalidField } from '../errors.js';
import { listResultIdsForModels } from '../storage/attribution-results.js';
import { lockSetting } from '../storage/attribution-settings.js';
import type { Db } from '../storage/db.js';
import { readSetting, writeSetting } from '../storage/settings.js';
import { SETTINGS_DEPENDENT_MODELS, SETTINGS_INPUTS } from './attribution-compute.js';
import { syncDealAttributions } from './attribution-sync.js';
import type { ServiceContext } from './context.js';

export interface AttributionSettings {
  default_model: AttributionModel;
  role_weights: Record<TouchpointType, number>;
  half_life_days: number;
}

/** The settings with their revision: it goes up each time a change alters what a model computes. */
export interface StoredAttributionSettings extends AttributionSettings {
  revision: number;
}

export interface SettingsChanges {
  default_model?: AttributionModel | undefined;
  role_weights?: Partial<Record<TouchpointType, number>> | undefined;
  half_life_days?: number | undefined;
}

export const ATTRIBUTION_SETTINGS_KEY = 'attribution';

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

/**
 * Applies a partial change (role weights merge into the current ones) and, in the same
 * transaction, recomputes every stored result of a model whose input changed.
 * @throws validation_failed naming `role_weights` when every weight would be 0.
 */
export async function updateAttributionSettings(ctx: ServiceContext, changes: SettingsChanges): Promise<AttributionSettings> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    await lockSetting(trx, ATTRIBUTION_SETTINGS_KEY, now);
    const current = await readAttributionSettings(trx, ctx.defaultModel);
    const next: AttributionSettings = {
      default_model: changes.default_model ?? current.default_model,
      role_weights: { ...current.role_weights, ...changes.role_weights },
      half_life_days: changes.half_life_days ?? current.half_life_days,
    };
    if (TOUCHPOINT_TYPES.every((type) => next.role_weights[type] === 0)) {
      throw invalidField('role_weights', 'at least one role weight must be greater than 0');
    }
    const changed = SETTINGS_DEPENDENT_MODELS.some((model) => !sameSetting(current, next, SETTINGS_INPUTS[model]));
    const revision = changed ? current.revision + 1 : current.revision;
    await writeSetting(trx, ATTRIBUTION_SETTINGS_KEY, { ...next, revision }, now);
    if (changed) await recomputeSettingsDependentResults(trx, ctx);
    return next;
  });
}

/**
 * Recomputes every stored result of a settings-dependent model. `syncDealAttributions` locks
 * all of them first, in the same id order every writer uses, before any rollup row is touched:
 * a concurrent touchpoint write waits for this change or this change for it, never both.
 */
async function recomputeSettingsDependentResults(db: Db, ctx: ServiceContext): Promise<void> {
  await syncDealAttributions(db, ctx, await listResultIdsForModels(db, SETTINGS_DEPENDENT_MODELS));
}

function sameSetting(a: AttributionSettings, b: AttributionSettings, key: keyof AttributionSettings): boolean {
  if (key !== 'role_weights') return a[key] === b[key];
  return TOUCHPOINT_TYPES.every((type) => a.role_weights[type] === b.role_weights[type]);
}
