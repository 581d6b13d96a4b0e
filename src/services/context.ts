import type { AttributionModel } from '../domain/attribution/index.js';
import type { PayoutCipher } from '../security/payout-cipher.js';
import type { Db } from '../storage/db.js';
import type { FitCache } from './attribution/fit-cache.js';

/** Where a write says it left work behind: the instance's propagation worker wakes up. */
export interface PendingWorkSignal {
  notify(): void;
}

/** What services need from the outside world, handed in once by app.ts (and by tests). */
export interface ServiceContext {
  db: Db;
  payoutCipher: PayoutCipher;
  defaultCurrency: string;
  /** The default model until someone changes it with PATCH /settings. */
  defaultModel: AttributionModel;
  now: () => number;
  pendingWork: PendingWorkSignal;
  /** The data-driven fits this instance has parsed (one per model and version). */
  fits: FitCache;
}
