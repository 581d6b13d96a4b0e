import { CHANGE_REASONS } from '../../domain/payouts/adjustments.js';
import {
  MODEL_NAMES,
  TOUCHPOINT_TYPES,
  type ModelName,
  type TouchpointType,
} from '../../domain/attribution/index.js';
import { invalidField } from '../../errors.js';
import { markFitPathsOfOtherWindowsPending, markResultsOfModelsPending } from '../../storage/attribution-pending.js';
import { lockSetting } from '../../storage/attribution-settings.js';
import { writeSetting } from '../../storage/settings.js';
import { changesBetween, recordAudit, type Actor } from '../audit.js';
import type { ServiceContext } from '../context.js';
import {
  ATTRIBUTION_SETTINGS_KEY,
  SETTINGS_DEPENDENT_MODELS,
  SETTINGS_INPUTS,
  readAttributionSettings,
  type AttributionSettings,
} from './settings-values.js';
import { fitWindowMs } from './fit-input-counts.js';

export interface SettingsChanges {
  default_model?: ModelName | undefined;
  role_weights?: Partial<Record<TouchpointType, number>> | undefined;
  half_life_days?: number | undefined;
  /** null removes the window. */
  lookback_days?: number | null | undefined;
}

/**
 * Applies a partial change (role weights merge into the current ones) and, in the same
 * transaction, marks every stored result of a model whose input changed as pending. A new
 * lookback window changes every model's input, and the fits' (the worker refits at once, and a
 * data-driven reader that comes first refits before it answers).
 * @throws validation_failed naming `role_weights` when every weight would be 0.
 */
export async function updateAttributionSettings(ctx: ServiceContext, changes: SettingsChanges, actor: Actor): Promise<AttributionSettings> {
  const updated = await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    await lockSetting(trx, ATTRIBUTION_SETTINGS_KEY, now);
    const current = await readAttributionSettings(trx, ctx.defaultModel);
    const next: AttributionSettings = {
      default_model: changes.default_model ?? current.default_model,
      role_weights: { ...current.role_weights, ...changes.role_weights },
      half_life_days: changes.half_life_days ?? current.half_life_days,
      lookback_days: changes.lookback_days !== undefined ? changes.lookback_days : current.lookback_days,
    };
    if (TOUCHPOINT_TYPES.every((type) => next.role_weights[type] === 0)) {
      throw invalidField('role_weights', 'at least one role weight must be greater than 0');
    }
    const lookbackChanged = current.lookback_days !== next.lookback_days;
    const affected = lookbackChanged
      ? MODEL_NAMES
      : SETTINGS_DEPENDENT_MODELS.filter((model) => !sameSetting(current, next, SETTINGS_INPUTS[model]));
    const changed = affected.length > 0;
    const revision = changed ? current.revision + 1 : current.revision;
    const lookback_revision = lookbackChanged ? revision : current.lookback_revision;
    await writeSetting(trx, ATTRIBUTION_SETTINGS_KEY, { ...next, revision, lookback_revision }, now);
    if (changed) await markResultsOfModelsPending(trx, affected, now, CHANGE_REASONS.settingsChanged);
    if (lookbackChanged) await markFitPathsOfOtherWindowsPending(trx, fitWindowMs(next.lookback_days), now, CHANGE_REASONS.settingsChanged);
    const audited = changesBetween(
      { ...current, revision: undefined, lookback_revision: undefined },
      { ...next, revision: undefined, lookback_revision: undefined },
    );
    await recordAudit(trx, actor, now, [{ action: 'update', entityType: 'settings', entityId: ATTRIBUTION_SETTINGS_KEY, changes: audited }]);
    return { next, changed };
  });
  if (updated.changed) ctx.pendingWork.notify();
  return updated.next;
}

function sameSetting(a: AttributionSettings, b: AttributionSettings, key: keyof AttributionSettings): boolean {
  if (key !== 'role_weights') return a[key] === b[key];
  return TOUCHPOINT_TYPES.every((type) => a.role_weights[type] === b.role_weights[type]);
}
