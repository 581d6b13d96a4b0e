import { chunks } from './chunks.js';
import type { Db } from './db.js';

export interface PayoutFilter {
  from?: number | undefined;
  to?: number | undefined;
  currency?: string | undefined;
  /** Only the deals this partner has a share of, and only its own rows. */
  partnerId?: string | undefined;
}

/** Where a page of won deals ends, to start the next one after it. */
export interface DealCursor {
  closedAt: number;
  dealId: string;
}

/** A page of won deals with a stored result, by closing time then id, after `cursor`. */
export async function listPayoutDealPage(db: Db, filter: PayoutFilter, cursor: DealCursor | undefined, limit: number) {
  let query = db.selectFrom('attribution_results');
  if (filter.currency !== undefined) query = query.where('currency', '=', filter.currency);
  if (filter.from !== undefined) query = query.where('closed_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('closed_at', '<=', filter.to);
  const { partnerId } = filter;
  if (partnerId !== undefined) {
    query = query.where('deal_id', 'in', db.selectFrom('attribution_shares').select('deal_id').where('partner_id', '=', partnerId));
  }
  if (cursor) {
    query = query.where((eb) =>
      eb.or([
        eb('closed_at', '>', cursor.closedAt),
        eb.and([eb('closed_at', '=', cursor.closedAt), eb('deal_id', '>', cursor.dealId)]),
      ]),
    );
  }
  const rows = await query.select(['deal_id', 'closed_at']).orderBy('closed_at').orderBy('deal_id').limit(limit).execute();
  return rows.map((row) => ({ dealId: row.deal_id, closedAt: row.closed_at }));
}

/** Every (partner, deal) share of the given deals, with the deal's figures and the partner's name, in one read. */
export async function listPayoutRows(db: Db, dealIds: readonly string[], partnerId?: string) {
  const rows = [];
  for (const chunk of chunks(dealIds)) {
    rows.push(
      ...(await db
        .selectFrom('attribution_shares')
        .innerJoin('attribution_results', 'attribution_results.deal_id', 'attribution_shares.deal_id')
        .innerJoin('partners', 'partners.id', 'attribution_shares.partner_id')
        .select([
          'attribution_shares.deal_id',
          'attribution_shares.closed_at',
          'attribution_shares.currency',
          'attribution_results.amount_minor',
          'attribution_results.model',
          'attribution_shares.partner_id',
          'partners.name as partner_name',
          'attribution_shares.basis_points',
          'attribution_shares.payout',
        ])
        .where('attribution_shares.deal_id', 'in', chunk)
        .$if(partnerId !== undefined, (query) => query.where('attribution_shares.partner_id', '=', partnerId!))
        .execute()),
    );
  }
  return rows;
}
