import type { Insertable } from 'kysely';
import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import type { Db } from './db.js';
import { insertJsonRows, toJsonRows, type JsonColumns } from './json-rows.js';
import { addExcluded } from './upsert-sets.js';
import type {
  AnalyticsDealDaysTable,
  AnalyticsPartnerDaysTable,
  AnalyticsPartnerMonthsTable,
  AnalyticsPartnerYearsTable,
  AnalyticsTouchpointDaysTable,
} from './schema.js';

// Rows per statement: bounds the JSON text one statement holds.
const ROWS_PER_UPSERT = 2000;

export type DealDayDelta = Insertable<AnalyticsDealDaysTable>;
export type PartnerMonthDelta = Insertable<AnalyticsPartnerMonthsTable>;
export type PartnerDayDelta = Insertable<AnalyticsPartnerDaysTable>;
export type PartnerYearDelta = Insertable<AnalyticsPartnerYearsTable>;
export type TouchpointDayDelta = Insertable<AnalyticsTouchpointDaysTable>;

const DEAL_DAY_COLUMNS: JsonColumns<'analytics_deal_days'> = {
  currency: 'key',
  day: 'integer',
  model: 'key',
  deals: 'integer',
  revenue: 'integer',
  attributed_revenue: 'integer',
};
const PARTNER_MONTH_COLUMNS: JsonColumns<'analytics_partner_months'> = {
  currency: 'key',
  month: 'integer',
  partner_id: 'key',
  deals: 'integer',
  payout: 'integer',
  basis_points: 'integer',
};
const PARTNER_DAY_COLUMNS: JsonColumns<'analytics_partner_days'> = {
  currency: 'key',
  day: 'integer',
  partner_id: 'key',
  deals: 'integer',
  payout: 'integer',
  basis_points: 'integer',
};
const PARTNER_YEAR_COLUMNS: JsonColumns<'analytics_partner_years'> = {
  currency: 'key',
  year: 'integer',
  partner_id: 'key',
  deals: 'integer',
  payout: 'integer',
  basis_points: 'integer',
};
const TOUCHPOINT_DAY_COLUMNS: JsonColumns<'analytics_touchpoint_days'> = { day: 'integer', touchpoint_type: 'key', touchpoints: 'integer' };

/** Adds each row's figures to the rollup row with the same key (creating it at 0). */
export async function addDealDayDeltas(db: Db, deltas: readonly DealDayDelta[]): Promise<void> {
  for (const slice of chunks(deltas, ROWS_PER_UPSERT)) await addDealDayRows(db, [toJsonRows(slice, DEAL_DAY_COLUMNS)]);
}

export async function addPartnerMonthDeltas(db: Db, deltas: readonly PartnerMonthDelta[]): Promise<void> {
  for (const slice of chunks(deltas, ROWS_PER_UPSERT)) await addPartnerMonthRows(db, [toJsonRows(slice, PARTNER_MONTH_COLUMNS)]);
}

export async function addPartnerDayDeltas(db: Db, deltas: readonly PartnerDayDelta[]): Promise<void> {
  for (const slice of chunks(deltas, ROWS_PER_UPSERT)) await addPartnerDayRows(db, [toJsonRows(slice, PARTNER_DAY_COLUMNS)]);
}

export async function addPartnerYearDeltas(db: Db, deltas: readonly PartnerYearDelta[]): Promise<void> {
  for (const slice of chunks(deltas, ROWS_PER_UPSERT)) await addPartnerYearRows(db, [toJsonRows(slice, PARTNER_YEAR_COLUMNS)]);
}

export async function addTouchpointDayDeltas(db: Db, deltas: readonly TouchpointDayDelta[]): Promise<void> {
  if (deltas.length === 1) {
    const { day, touchpoint_type, touchpoints } = deltas[0]!;
    await addOneTouchpointDayDelta(db, [day, touchpoint_type, touchpoints]);
    return;
  }
  for (const slice of chunks(deltas, ROWS_PER_UPSERT)) await addTouchpointDayRows(db, [toJsonRows(slice, TOUCHPOINT_DAY_COLUMNS)]);
}

// Each recomputation moves the rollups: one statement text whatever the count of rows.
const addDealDayRows = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'analytics_deal_days', rowsJson!, DEAL_DAY_COLUMNS)
    .onConflict((oc) =>
      oc.columns(['currency', 'day', 'model']).doUpdateSet(addExcluded('analytics_deal_days', ['deals', 'revenue', 'attributed_revenue'])),
    ),
);

const addPartnerMonthRows = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'analytics_partner_months', rowsJson!, PARTNER_MONTH_COLUMNS)
    .onConflict((oc) =>
      oc.columns(['currency', 'month', 'partner_id']).doUpdateSet(addExcluded('analytics_partner_months', ['deals', 'payout', 'basis_points'])),
    ),
);

const addPartnerDayRows = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'analytics_partner_days', rowsJson!, PARTNER_DAY_COLUMNS)
    .onConflict((oc) =>
      oc.columns(['currency', 'day', 'partner_id']).doUpdateSet(addExcluded('analytics_partner_days', ['deals', 'payout', 'basis_points'])),
    ),
);

const addPartnerYearRows = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'analytics_partner_years', rowsJson!, PARTNER_YEAR_COLUMNS)
    .onConflict((oc) =>
      oc.columns(['currency', 'year', 'partner_id']).doUpdateSet(addExcluded('analytics_partner_years', ['deals', 'payout', 'basis_points'])),
    ),
);

const addTouchpointDayRows = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'analytics_touchpoint_days', rowsJson!, TOUCHPOINT_DAY_COLUMNS)
    .onConflict((oc) =>
      oc.columns(['day', 'touchpoint_type']).doUpdateSet(addExcluded('analytics_touchpoint_days', ['touchpoints'])),
    ),
);

// POST /events: one touchpoint, one row; compiled once.
const addOneTouchpointDayDelta = compileOnce(3, (db, [day, touchpoint_type, touchpoints]) =>
  db
    .insertInto('analytics_touchpoint_days')
    .values({ day, touchpoint_type, touchpoints } as unknown as TouchpointDayDelta)
    .onConflict((oc) =>
      oc.columns(['day', 'touchpoint_type']).doUpdateSet(addExcluded('analytics_touchpoint_days', ['touchpoints'])),
    ),
);

/** Empties every rollup and stored result, for a rebuild from the source tables. */
export async function clearDerivedData(db: Db): Promise<void> {
  await db.deleteFrom('analytics_touchpoint_days').execute();
  await db.deleteFrom('analytics_partner_months').execute();
  await db.deleteFrom('analytics_partner_days').execute();
  await db.deleteFrom('analytics_partner_years').execute();
  await db.deleteFrom('analytics_deal_days').execute();
  await db.deleteFrom('attribution_shares').execute();
  await db.deleteFrom('attribution_results').execute();
  // A restore may have removed deals: their paths must not outlive them.
  await db.deleteFrom('attribution_fit_paths').execute();
}
