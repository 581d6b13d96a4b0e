/** A partner's payout on a deal or over a period, in minor units. */
export interface RankedPayout {
  partnerId: string;
  payoutMinor: number;
}

/**
 * The contract's one order for partners: payout descending, then partner id by code unit
 * (not by locale, so every engine and every client agrees).
 */
export function byPayoutThenPartner(a: RankedPayout, b: RankedPayout): number {
  if (a.payoutMinor !== b.payoutMinor) return b.payoutMinor - a.payoutMinor;
  return a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0;
}

/** The same order over rows that name their fields as the tables do. */
export const byPayoutThenPartnerRow = (a: { payout: number; partner_id: string }, b: { payout: number; partner_id: string }) =>
  byPayoutThenPartner({ partnerId: a.partner_id, payoutMinor: a.payout }, { partnerId: b.partner_id, payoutMinor: b.payout });
