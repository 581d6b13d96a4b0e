import pg from 'pg';
import { partnerId, touchpoint } from './dataset.js';
import type { DealRowValues } from './sqlite-dataset.js';

/** Rows per statement: each column travels as one array parameter. */
const ROWS_PER_INSERT = 20_000;

/**
 * Writes the benchmark's partners, deals and touchpoints straight into a migrated PostgreSQL
 * database: the twin of `writeDatasetToSqlite`, for scripts that measure one part of the
 * service, not ingestion.
 */
export async function writeDatasetToPostgres(
  databaseUrl: string,
  sizes: { deals: number; touchpoints: number; partners: number },
  dealRow: (index: number) => DealRowValues,
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const insert = async (table: string, columns: string[], types: string[], rows: unknown[][]) => {
      const arrays = columns.map((_, c) => rows.map((row) => row[c]));
      await client.query(`insert into ${table} (${columns.join(', ')}) select * from unnest(${types.map((type, c) => `$${c + 1}::${type}[]`).join(', ')})`, arrays);
    };
    const now = Date.now();
    const partnerRows = Array.from({ length: sizes.partners }, (_, p) => [partnerId(p), `Partner ${p}`, `p${p}@example.com`, `p${p}@example.com`, 'active', now, now]);
    await insert('partners', ['id', 'name', 'email', 'email_normalized', 'status', 'created_at', 'updated_at'], ['text', 'text', 'text', 'text', 'text', 'bigint', 'bigint'], partnerRows);
    for (let first = 0; first < sizes.deals; first += ROWS_PER_INSERT) {
      const rows = [];
      for (let d = first; d < Math.min(sizes.deals, first + ROWS_PER_INSERT); d++) {
        const row = dealRow(d);
        rows.push([row.id, row.amountMinor, 'USD', row.closedAt, row.model, row.status, now, now]);
      }
      await insert('deals', ['id', 'amount', 'currency', 'closed_at', 'attribution_model', 'status', 'created_at', 'updated_at'], ['text', 'bigint', 'text', 'bigint', 'text', 'text', 'bigint', 'bigint'], rows);
    }
    for (let first = 0; first < sizes.touchpoints; first += ROWS_PER_INSERT) {
      const rows = [];
      for (let n = first; n < Math.min(sizes.touchpoints, first + ROWS_PER_INSERT); n++) {
        const t = touchpoint(n, sizes.deals, sizes.partners);
        rows.push([t.id, t.partner_id, t.deal_id, t.touchpoint_type, Date.parse(t.timestamp), 'x', now]);
      }
      await insert('events', ['id', 'partner_id', 'deal_id', 'touchpoint_type', 'timestamp', 'request_hash', 'created_at'], ['text', 'text', 'text', 'text', 'bigint', 'text', 'bigint'], rows);
    }
  } finally {
    await client.end();
  }
}
