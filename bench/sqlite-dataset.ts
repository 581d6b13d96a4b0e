import SQLite from 'better-sqlite3';
import { partnerId, touchpoint } from './dataset.js';

/** A deal's row as written straight into the table. */
export interface DealRowValues {
  id: string;
  amountMinor: number;
  closedAt: number;
  model: string;
  status: 'won' | 'lost';
}

/**
 * Writes the benchmark's partners, deals and touchpoints straight into a migrated SQLite file, in
 * one transaction: for scripts that measure one part of the service, not ingestion.
 */
export function writeDatasetToSqlite(
  dbPath: string,
  sizes: { deals: number; touchpoints: number; partners: number },
  dealRow: (index: number) => DealRowValues,
): void {
  const raw = new SQLite(dbPath);
  raw.pragma('journal_mode = WAL');
  const now = Date.now();
  raw.transaction(() => {
    const partner = raw.prepare('insert into partners (id, name, email, email_normalized, status, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)');
    for (let p = 0; p < sizes.partners; p++) partner.run(partnerId(p), `Partner ${p}`, `p${p}@example.com`, `p${p}@example.com`, 'active', now, now);
    const deal = raw.prepare('insert into deals (id, amount, currency, closed_at, attribution_model, status, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let d = 0; d < sizes.deals; d++) {
      const row = dealRow(d);
      deal.run(row.id, row.amountMinor, 'USD', row.closedAt, row.model, row.status, now, now);
    }
    const event = raw.prepare('insert into events (id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at) values (?, ?, ?, ?, ?, null, ?, ?)');
    for (let n = 0; n < sizes.touchpoints; n++) {
      const t = touchpoint(n, sizes.deals, sizes.partners);
      event.run(t.id, t.partner_id, t.deal_id, t.touchpoint_type, Date.parse(t.timestamp), 'x', now);
    }
  })();
  raw.close();
}
