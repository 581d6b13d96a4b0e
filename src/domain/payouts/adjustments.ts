/**
 * Why a deal's stored result went out of date: the words an adjustment carries. Several changes
 * that wait together are listed once each, joined with ", ".
 */
export const CHANGE_REASONS = {
  dealCreated: 'deal created',
  amountChanged: 'amount changed',
  currencyChanged: 'currency changed',
  closedDateChanged: 'closed date changed',
  modelChanged: 'model changed',
  dealRefunded: 'deal refunded',
  dealWon: 'deal won',
  touchpointAdded: 'touchpoint added',
  touchpointRemoved: 'touchpoint removed',
  settingsChanged: 'settings changed',
  modelRefitted: 'model refitted',
  recalculated: 'recalculated',
  rebuilt: 'rebuilt',
} as const;

/** One partner's payout on one deal, in one currency (minor units). */
export interface PayoutAmount {
  partnerId: string;
  currency: string;
  amountMinor: number;
}

/**
 * What must be added to what a deal has booked (its locked lines plus its earlier adjustments)
 * to make it equal the deal's current payouts: one entry per partner and currency that moved.
 * A currency change is a negative entry in the old currency and a positive one in the new.
 * @example
 * adjustmentsToReach([{ partnerId: 'p1', currency: 'USD', amountMinor: 4000 }], [])
 * // [{ partnerId: 'p1', currency: 'USD', amountMinor: -4000 }] (a refund)
 */
export function adjustmentsToReach(booked: readonly PayoutAmount[], current: readonly PayoutAmount[]): PayoutAmount[] {
  const differences = new Map<string, PayoutAmount>();
  const add = (entry: PayoutAmount, sign: 1 | -1) => {
    const key = `${entry.partnerId}\u0000${entry.currency}`;
    const sum = differences.get(key) ?? { partnerId: entry.partnerId, currency: entry.currency, amountMinor: 0 };
    sum.amountMinor += sign * entry.amountMinor;
    differences.set(key, sum);
  };
  for (const entry of current) add(entry, 1);
  for (const entry of booked) add(entry, -1);
  return [...differences.values()]
    .filter((entry) => entry.amountMinor !== 0)
    .sort((a, b) => compare(a.partnerId, b.partnerId) || compare(a.currency, b.currency));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
