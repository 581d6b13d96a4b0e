import type { DealDayDelta, PartnerDayDelta, PartnerMonthDelta, PartnerYearDelta, TouchpointDayDelta } from '../../storage/analytics-rollups.js';
import { dayOf, monthOf, yearOf } from './buckets.js';

/** What one stored result adds to the rollups. */
export interface ResultContribution {
  deal: { model: string; currency: string; amountMinor: number; closed_at: number; touchpoints: number };
  shares: readonly { partner_id: string; payout: number; basis_points: number }[];
}

/**
 * The rollup changes that replace the `removed` results by the `added` ones. Keys whose
 * figures cancel out are left out, so recomputing an unchanged deal writes nothing.
 *
 * @example
 * rollupDeltas([old], [recomputed]); // { dealDays: [...], partnerMonths: [...], partnerDays: [...], partnerYears: [...] }
 */
export function rollupDeltas(removed: readonly ResultContribution[], added: readonly ResultContribution[]) {
  const dealDays = new Map<string, DealDayDelta>();
  const partnerMonths = new Map<string, PartnerMonthDelta>();
  const partnerDays = new Map<string, PartnerDayDelta>();
  const partnerYears = new Map<string, PartnerYearDelta>();
  const apply = (contribution: ResultContribution, sign: 1 | -1) => {
    const { deal, shares } = contribution;
    const day = dayOf(deal.closed_at);
    const dayKey = `${deal.currency}\u0000${day}\u0000${deal.model}`;
    const dayRow = dealDays.get(dayKey) ?? { currency: deal.currency, day, model: deal.model, deals: 0, revenue: 0, attributed_revenue: 0 };
    dayRow.deals += sign;
    dayRow.revenue += sign * deal.amountMinor;
    dayRow.attributed_revenue += sign * (deal.touchpoints > 0 ? deal.amountMinor : 0);
    dealDays.set(dayKey, dayRow);
    const month = monthOf(deal.closed_at);
    const year = yearOf(deal.closed_at);
    for (const share of shares) {
      const key = `${deal.currency}\u0000${month}\u0000${share.partner_id}`;
      const row = partnerMonths.get(key) ?? { currency: deal.currency, month, partner_id: share.partner_id, deals: 0, payout: 0, basis_points: 0 };
      row.deals += sign;
      row.payout += sign * share.payout;
      row.basis_points += sign * share.basis_points;
      partnerMonths.set(key, row);
      const dayKey = `${deal.currency}\u0000${day}\u0000${share.partner_id}`;
      const dayRow = partnerDays.get(dayKey) ?? { currency: deal.currency, day, partner_id: share.partner_id, deals: 0, payout: 0, basis_points: 0 };
      dayRow.deals += sign;
      dayRow.payout += sign * share.payout;
      dayRow.basis_points += sign * share.basis_points;
      partnerDays.set(dayKey, dayRow);
      const yearKey = `${deal.currency}\u0000${year}\u0000${share.partner_id}`;
      const yearRow = partnerYears.get(yearKey) ?? { currency: deal.currency, year, partner_id: share.partner_id, deals: 0, payout: 0, basis_points: 0 };
      yearRow.deals += sign;
      yearRow.payout += sign * share.payout;
      yearRow.basis_points += sign * share.basis_points;
      partnerYears.set(yearKey, yearRow);
    }
  };
  for (const contribution of removed) apply(contribution, -1);
  for (const contribution of added) apply(contribution, 1);
  return {
    dealDays: sortedByKey(dealDays).filter((row) => row.deals !== 0 || row.revenue !== 0 || row.attributed_revenue !== 0),
    partnerMonths: sortedByKey(partnerMonths).filter((row) => row.deals !== 0 || row.payout !== 0 || row.basis_points !== 0),
    partnerDays: sortedByKey(partnerDays).filter((row) => row.deals !== 0 || row.payout !== 0 || row.basis_points !== 0),
    partnerYears: sortedByKey(partnerYears).filter((row) => row.deals !== 0 || row.payout !== 0 || row.basis_points !== 0),
  };
}

/** The touchpoint-per-day changes for touchpoints added and removed, in key order. */
export function touchpointDeltas(
  added: readonly { touchpoint_type: string; timestamp: number }[],
  removed: readonly { touchpoint_type: string; timestamp: number }[] = [],
): TouchpointDayDelta[] {
  const counts = new Map<string, { day: number; touchpoint_type: string; touchpoints: number }>();
  const count = (touchpoints: typeof added, sign: 1 | -1) => {
    for (const { touchpoint_type, timestamp } of touchpoints) {
      const day = dayOf(timestamp);
      const key = `${day}\u0000${touchpoint_type}`;
      const row = counts.get(key) ?? { day, touchpoint_type, touchpoints: 0 };
      row.touchpoints += sign;
      counts.set(key, row);
    }
  };
  count(added, 1);
  count(removed, -1);
  return sortedByKey(counts).filter((row) => row.touchpoints !== 0);
}

/**
 * Rows in key order: every transaction then takes the rollup rows' locks (PostgreSQL) in the
 * same order, so two of them can wait for each other but never deadlock.
 */
export function sortedByKey<T>(rows: ReadonlyMap<string, T>): T[] {
  return [...rows.keys()].sort().map((key) => rows.get(key)!);
}
