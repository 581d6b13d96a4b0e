import type { Insertable } from 'kysely';
import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import type { Db } from './db.js';
import type { AnalyticsDealDaysTable, AnalyticsPartnerMonthsTable, AnalyticsTouchpointDaysTable } from './schema.js';

// At most 6 columns a row: 1000 rows stay well under every bound-parameter limit.
const ROWS_PER_UPSERT = 1000;

export type DealDayDelta = Insertable<AnalyticsDealDaysTable>;
export type PartnerMonthDelta = Insertable<AnalyticsPartnerMonthsTable>;
export type TouchpointDayDelta = Insertable<AnalyticsTouchpointDaysTable>;

/** Adds each row's figures to the rollup row with the same key (creating it at 0). */
export async function addDealDayDeltas(db: Db, deltas: readonly DealDayDelta[]): Promise<void> {
  for (const slice of chunks(deltas, ROWS_PER_UPSERT)) {
    await db
      .insertInto('analytics_deal_days')
      .values(slice)
      .onConflict((oc) =>
        oc.columns(['currency', 'day', 'model']).doUpdateSet((eb) => ({
          deals: eb('analytics_deal_days.deals', '+', eb.ref('excluded.deals')),
          revenue: eb('analytics_deal_days.revenue', '+', eb.ref('excluded.revenue')),
          attributed_revenue: eb('analytics_deal_days.attributed_revenue', '+', eb.ref('excluded.attributed_revenue')),
        })),
      )
      .execute();
  }
}

export async function addPartnerMonthDeltas(db: Db, deltas: readonly PartnerMonthDelta[]): Promise<void> {
  for (const slice of chunks(deltas, ROWS_PER_UPSERT)) {
    await db
      .insertInto('analytics_partner_months')
      .values(slice)
      .onConflict((oc) =>
        oc.columns(['currency', 'month', 'partner_id']).doUpdateSet((eb) => ({
          deals: eb('analytics_partner_months.deals', '+', eb.ref('excluded.deals')),
          payout: eb('analytics_partner_months.payout', '+', eb.ref('excluded.payout')),
          basis_points: eb('analytics_partner_months.basis_points', '+', eb.ref('excluded.basis_points')),
        })),
      )
      .execute();
  }
}

export async function addTouchpointDayDeltas(db: Db, deltas: readonly TouchpointDayDelta[]): Promise<void> {
  if (deltas.length === 1) {
    const { day, touchpoint_type, touchpoints } = deltas[0]!;
    await addOneTouchpointDayDelta(db, [day, touchpoint_type, touchpoints]);
    return;
  }
  for (const slice of chunks(deltas, ROWS_PER_UPSERT)) {
    await db
      .insertInto('analytics_touchpoint_days')
      .values(slice)
      .onConflict((oc) =>
        oc.columns(['day', 'touchpoint_type']).doUpdateSet((eb) => ({
          touchpoints: eb('analytics_touchpoint_days.touchpoints', '+', eb.ref('excluded.touchpoints')),
        })),
      )
      .execute();
  }
}

// POST /events: one touchpoint, one row; compiled once.
const addOneTouchpointDayDelta = compileOnce(3, (db, [day, touchpoint_type, touchpoints]) =>
  db
    .insertInto('analytics_touchpoint_days')
    .values({ day, touchpoint_type, touchpoints } as unknown as TouchpointDayDelta)
    .onConflict((oc) =>
      oc.columns(['day', 'touchpoint_type']).doUpdateSet((eb) => ({
        touchpoints: eb('analytics_touchpoint_days.touchpoints', '+', eb.ref('excluded.touchpoints')),
      })),
    ),
);

/** Empties every rollup and stored result, for a rebuild from the source tables. */
export async function clearDerivedData(db: Db): Promise<void> {
  await db.deleteFrom('analytics_touchpoint_days').execute();
  await db.deleteFrom('analytics_partner_months').execute();
  await db.deleteFrom('analytics_deal_days').execute();
  await db.deleteFrom('attribution_shares').execute();
  await db.deleteFrom('attribution_results').execute();
}
