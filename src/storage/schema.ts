import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database, described once. Times are epoch milliseconds, money is integer minor units
 * with its currency code beside it, JSON is stored as text: the same on SQLite and PostgreSQL.
 */
export interface Database {
  partners: PartnersTable;
  events: TouchpointsTable;
  deals: DealsTable;
  api_keys: ApiKeysTable;
  settings: SettingsTable;
  attribution_results: AttributionResultsTable;
  attribution_pending: AttributionPendingTable;
  attribution_fits: AttributionFitsTable;
  attribution_fit_pending: AttributionFitPendingTable;
  attribution_fit_change_counter: AttributionFitChangeCounterTable;
  attribution_fit_paths: AttributionFitPathsTable;
  attribution_shares: AttributionSharesTable;
  analytics_deal_days: AnalyticsDealDaysTable;
  analytics_partner_months: AnalyticsPartnerMonthsTable;
  analytics_partner_days: AnalyticsPartnerDaysTable;
  analytics_partner_years: AnalyticsPartnerYearsTable;
  analytics_touchpoint_days: AnalyticsTouchpointDaysTable;
  payout_periods: PayoutPeriodsTable;
  payout_deal_bookings: PayoutDealBookingsTable;
  payout_lines: PayoutLinesTable;
  payout_adjustments: PayoutAdjustmentsTable;
  audit_log: AuditLogTable;
}

export interface PartnersTable {
  id: string;
  name: string;
  email: string;
  email_normalized: string;
  /** AES-256-GCM ciphertext of the payout details JSON, or null. */
  payout_details_encrypted: string | null;
  /** The same details with every value masked; safe to show. */
  payout_details_masked: string | null;
  status: 'active' | 'archived';
  created_at: number;
  updated_at: number;
}

/** The `events` table: the API calls a touchpoint an event, the code below the HTTP layer a touchpoint. */
export interface TouchpointsTable {
  /** Recording order: ties between equal timestamps are broken by it. */
  seq: Generated<number>;
  id: string;
  partner_id: string;
  deal_id: string;
  touchpoint_type: string;
  timestamp: number;
  metadata: string | null;
  /** Hash of the request that created the touchpoint, to tell an idempotent replay from a conflict. */
  request_hash: string;
  created_at: number;
}

export interface DealsTable {
  id: string;
  /**
   * Integer minor units. The column keeps the name it was released with, because nodes of the
   * previous release still use it during a rolling deploy (docs/deployment.md); code sees it as
   * `DealRow.amount_minor` (storage/deals.ts maps it).
   */
  amount: number;
  currency: string;
  closed_at: number;
  attribution_model: string;
  status: 'won' | 'lost';
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  /** Comma-separated scopes. */
  scopes: string;
  partner_id: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

/** The stored result of a won deal with its own model; a deal without one (lost, or no deal record) has no row. */
export interface AttributionResultsTable {
  deal_id: string;
  /** The deal's own model the result was computed with. */
  model: string;
  currency: string;
  amount_minor: number;
  closed_at: number;
  /** The deal's touchpoint count: 0 means unattributed revenue. */
  touchpoints: number;
  /** 1 when every model weight was 0 and the partners shared equally. */
  fallback: number;
  /** The settings revision the result was computed under (role-based and time-decay read the settings). */
  settings_revision: number;
  /** The version of the fit a data-driven result was computed with; 0 for the other models. */
  fit_version: number;
  calculated_at: number;
}

/** The current fit of each data-driven model (markov, shapley). */
export interface AttributionFitsTable {
  model: string;
  /** Goes up by one with every refit. */
  version: number;
  fitted_at: number;
  /** The lookback window the fit's paths were cut with; null: none. */
  lookback_days: number | null;
  won_deals: number;
  lost_deals: number;
  /** The fit itself (`MarkovFit` or `ShapleyFit`) as JSON. */
  fit_json: string;
}

/** Deals changed since the current fits were made: the fits' side of change propagation. */
export interface AttributionFitPendingTable {
  deal_id: string;
  enqueued_at: number;
  /** The change's number (the latest change of this deal): a refit claims the changes numbered up to the last one given out when it starts. */
  change_seq: number;
}

/** SQLite: the last change number given out (one row). PostgreSQL uses the sequence `attribution_fit_change_seq`. */
export interface AttributionFitChangeCounterTable {
  last_seq: number;
}

/**
 * A deal's path as the fits read it (`PATH_LINES`' partners of one line), written with its result
 * by every recomputation of the deal, won or lost. Trusted by a refit only while the deal is not
 * pending and the window is the one it fits with; otherwise it reads the deal's touchpoints.
 */
export interface AttributionFitPathsTable {
  deal_id: string;
  /** 1 won, 0 lost. */
  won: number;
  /** The lookback window the path was cut with (ms, `fitWindowMs`); null: none. */
  window_ms: number | null;
  /**
   * The partners of the touchpoints inside the window, oldest first, consecutive repeats as one
   * (`collapseRepeats`; rows written before keep them, which counts the same), joined by
   * `PATH_LINES.partner`; '' when none.
   */
  path: string;
}

/**
 * The deals whose stored result (and its share of the rollups) is out of date: the durable
 * queue of change propagation (docs/architecture.md). Holding a deal's row, locked or deleted
 * in an open transaction, is the right to recompute that deal.
 */
export interface AttributionPendingTable {
  deal_id: string;
  /** When the oldest change still waiting was recorded (epoch ms): the backlog's age. */
  enqueued_at: number;
  /** Why the deal became out of date (`touchpoint added`, `deal refunded`, …): adjustments carry it. */
  reason: string | null;
}

/** A stored result's share for one partner, with the deal's currency and closing time copied for the aggregates. */
export interface AttributionSharesTable {
  deal_id: string;
  partner_id: string;
  payout: number;
  basis_points: number;
  touchpoints: number;
  /** The partner's distinct touchpoint types, comma-separated; ordered by the current role weights on read. */
  roles: string;
  currency: string;
  closed_at: number;
}

/** Won deals per UTC day (epoch days), currency and model: kept current with every stored result. */
export interface AnalyticsDealDaysTable {
  currency: string;
  day: number;
  model: string;
  deals: number;
  revenue: number;
  /** Revenue of the deals that have at least one touchpoint. */
  attributed_revenue: number;
}

/** Partner shares per UTC month (year × 12 + month index) and currency. */
export interface AnalyticsPartnerMonthsTable {
  currency: string;
  month: number;
  partner_id: string;
  deals: number;
  payout: number;
  basis_points: number;
}

/** Partner shares per UTC day (epoch day) and currency: the ragged edges of a period in months. */
export interface AnalyticsPartnerDaysTable {
  currency: string;
  day: number;
  partner_id: string;
  deals: number;
  payout: number;
  basis_points: number;
}

/** Partner shares per UTC calendar year and currency: whole years of a period, all time included. */
export interface AnalyticsPartnerYearsTable {
  currency: string;
  year: number;
  partner_id: string;
  deals: number;
  payout: number;
  basis_points: number;
}

/** Touchpoints per UTC day (by their own timestamp) and type. */
export interface AnalyticsTouchpointDaysTable {
  day: number;
  touchpoint_type: string;
  touchpoints: number;
}

export type PartnerRow = Selectable<PartnersTable>;
export type NewPartnerRow = Insertable<PartnersTable>;
export type PartnerUpdate = Updateable<PartnersTable>;
export type TouchpointRecord = Selectable<TouchpointsTable>;
export type NewTouchpointRecord = Insertable<TouchpointsTable>;
/** A deal as the code sees it: the `deals` row with its amount named by its unit. */
export type DealRow = Omit<Selectable<DealsTable>, 'amount'> & { amount_minor: number };
export type DealUpdate = Partial<Omit<DealRow, 'id'>>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AttributionResultRow = Selectable<AttributionResultsTable>;
export type AttributionShareRow = Selectable<AttributionSharesTable>;

/** A payout period: whole UTC days, `starts_at` inclusive to `ends_at` exclusive (epoch ms). */
export interface PayoutPeriodsTable {
  id: string;
  start_date: string;
  end_date: string;
  starts_at: number;
  ends_at: number;
  status: 'open' | 'locked' | 'paid';
  created_at: number;
  locked_at: number | null;
  paid_at: number | null;
  payment_reference: string | null;
}

/** The locked period a deal's payout was first booked into; a booked deal changes only by adjustments. */
export interface PayoutDealBookingsTable {
  deal_id: string;
  period_id: string;
}

/** A locked period's line: one partner's payout on one deal, as it stood at the lock. Never updated. */
export interface PayoutLinesTable {
  period_id: string;
  partner_id: string;
  deal_id: string;
  partner_name: string;
  currency: string;
  deal_amount_minor: number;
  closed_at: number;
  model: string;
  basis_points: number;
  payout_minor: number;
}

/** A later correction to a booked deal's payout for one partner (positive or negative). */
export interface PayoutAdjustmentsTable {
  id: string;
  deal_id: string;
  partner_id: string;
  currency: string;
  amount_minor: number;
  reason: string;
  created_at: number;
  original_period_id: string;
  /** The locked period that froze it (the one containing created_at); null until then. */
  period_id: string | null;
  /** The partner's name when that period was locked. */
  partner_name: string | null;
}

/** One write, who made it and what it changed. Append-only (triggers refuse updates and deletes). */
export interface AuditLogTable {
  id: string;
  at: number;
  key_id: string | null;
  key_name: string;
  action: string;
  entity_type: string;
  entity_id: string;
  /** JSON: `{ field: { old, new } }`. */
  changes: string;
}

export type PayoutPeriodRow = Selectable<PayoutPeriodsTable>;
export type PayoutAdjustmentRow = Selectable<PayoutAdjustmentsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
