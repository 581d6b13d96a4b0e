import {
  readStoredMarkovFit,
  readStoredShapleyFit,
  type DataDrivenModel,
  type MarkovFit,
  type PackedMarkovFit,
  type PackedShapleyFit,
  type ShapleyFit,
} from '../../domain/attribution/index.js';
import { findFitJson, listFitHeads, type FitHead } from '../../storage/attribution-fits.js';
import type { Db } from '../../storage/db.js';

/** A stored fit, parsed: what it is (head) and the fit itself (markov packed: `readStoredMarkovFit`). */
export interface StoredFit<F extends PackedMarkovFit | ShapleyFit = PackedMarkovFit | ShapleyFit> {
  head: FitHead;
  fit: F;
}

export interface CurrentFits {
  markov?: StoredFit<PackedMarkovFit> | undefined;
  shapley?: StoredFit<ShapleyFit> | undefined;
}

/**
 * Each instance keeps the fits it parsed, by version: a stored fit never changes, and parsing one
 * (megabytes of JSON at 2,000 partners) on every answer would cost more than the answer.
 */
export class FitCache {
  private readonly byModel = new Map<DataDrivenModel, StoredFit>();

  /** The stored fits as of `db`'s view, parsed once per version. */
  async current(db: Db): Promise<CurrentFits> {
    const fits: CurrentFits = {};
    for (const head of await listFitHeads(db)) {
      const model = head.model as DataDrivenModel;
      let stored = this.byModel.get(model);
      if (stored?.head.version !== head.version || stored.head.fitted_at !== head.fitted_at) {
        const json = await findFitJson(db, model, head.version);
        if (json === undefined) continue;
        stored = this.remember(head, json);
      }
      if (model === 'markov') fits.markov = stored as StoredFit<PackedMarkovFit>;
      else fits.shapley = stored as StoredFit<ShapleyFit>;
    }
    return fits;
  }

  /**
   * Keeps a fit from its stored JSON (also the fits this instance just stored: the refit's first
   * reader then does not read the megabytes back). The JSON is parsed when the fit is first used,
   * so an answer that needs one model does not wait for the other's (each ~100 ms at 2,000 partners),
   * unless the fit that JSON parses to is `parsed` already (a markov fit from the fit thread).
   */
  remember(head: FitHead, json: string, parsed?: PackedMarkovFit): StoredFit {
    let fit: PackedMarkovFit | ShapleyFit | undefined = parsed;
    if (parsed !== undefined) json = '';
    const stored: StoredFit = {
      head,
      get fit() {
        if (fit === undefined) {
          const parsed = JSON.parse(json) as PackedMarkovFit | MarkovFit | PackedShapleyFit | ShapleyFit;
          fit = parsed.model === 'markov' ? readStoredMarkovFit(parsed) : readStoredShapleyFit(parsed);
          json = '';
        }
        return fit;
      },
    };
    this.byModel.set(head.model as DataDrivenModel, stored);
    return stored;
  }
}

/** A data-driven result is due but its model has no fit for the current settings: fit first, then retry. */
export class FitsOutdatedError extends Error {
  constructor() {
    super('the data-driven fits are missing or were cut with another lookback window');
  }
}
