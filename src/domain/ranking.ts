/** A partner's payout on a deal or over a period, in minor units (a bigint for exact sums). */
export interface RankedPayout {
  partnerId: string;
  payoutMinor: number | bigint;
}

/**
 * The contract's one order for partners: payout descending, then partner id by code unit
 * (not by locale, so every engine and every client agrees).
 */
export function byPayoutThenPartner(a: RankedPayout, b: RankedPayout): number {
  if (a.payoutMinor > b.payoutMinor) return -1;
  if (a.payoutMinor < b.payoutMinor) return 1;
  return a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0;
}

type PayoutRow = { payout: number | bigint; partner_id: string };

/** The same order over rows that name their fields as the tables do. */
export const byPayoutThenPartnerRow = (a: PayoutRow, b: PayoutRow) =>
  byPayoutThenPartner({ partnerId: a.partner_id, payoutMinor: a.payout }, { partnerId: b.partner_id, payoutMinor: b.payout });
