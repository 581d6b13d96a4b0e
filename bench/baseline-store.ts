import { readFileSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';

/**
 * The baseline's storage: the service's own tables (its migrations create them, so the shapes,
 * indexes and foreign keys are the same), queried bare — prepared statements, no query builder,
 * no transaction around a single statement.
 */
export interface BaselineStore {
  insertEvent(row: EventRow): Promise<void>;
  /** Inserts the rows in one transaction. */
  insertEvents(rows: readonly EventRow[]): Promise<void>;
  listPartners(limit: number, offset: number): Promise<{ rows: Row[]; total: number }>;
  /** The stored attribution result of a deal and its share rows, or undefined. */
  readAttribution(dealId: string): Promise<{ result: Row; shares: Row[] } | undefined>;
  /** Copies rows from the service's database, so both read the same data. */
  copyFrom(source: CopySource): Promise<void>;
  close(): Promise<void>;
}

export type Row = Record<string, unknown>;

export interface EventRow {
  id: string;
  partner_id: string;
  deal_id: string;
  touchpoint_type: string;
  timestamp: number;
  metadata: string | null;
  request_hash: string;
  created_at: number;
}

/**
 * Where the service keeps its data, and which rows to copy: whole tables, or the rows of some
 * deals. With `attribution`, the baseline serves GET /attribution/:id from those tables afterwards.
 */
export interface CopySource {
  sqlitePath?: string;
  databaseUrl?: string;
  tables: CopiedTable[];
  dealIds: string[];
  /** Serve GET /attribution/:id from the copied attribution_results and attribution_shares. */
  attribution?: boolean;
}

export interface CopiedTable {
  name: string;
  /** Copy only the rows whose column is one of `dealIds`; all rows when absent. */
  dealColumn?: string;
}

const INSERT_EVENT =
  'insert into events (id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at) values ';
const LIST_PARTNERS = 'select * from partners order by created_at, id limit $1 offset $2';
const COUNT_PARTNERS = 'select count(*) as total from partners';
// The service's stored-result read (src/storage/attribution-results.ts): the result row, then the
// shares with the partners' current names.
const READ_RESULT = 'select * from attribution_results where deal_id = $1 and model is not null';
const READ_SHARES =
  'select s.partner_id, s.payout, s.basis_points, s.touchpoints, s.roles, p.name as partner_name ' +
  'from attribution_shares s inner join partners p on p.id = s.partner_id where s.deal_id = $1';
const toQuestionMarks = (text: string) => text.replace(/\$\d+/g, '?');

const FALLBACK_PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON', 'busy_timeout = 5000'];

/**
 * The pragmas the service sets on its connection, read from src/storage/drivers.ts so that the
 * baseline follows any change there (page cache size, say) without anyone remembering to.
 */
export function servicePragmas(): string[] {
  try {
    const source = readFileSync(new URL('../src/storage/drivers.ts', import.meta.url), 'utf8');
    const found = [...source.matchAll(/\.pragma\('([^']+)'\)/g)].map((match) => match[1]!);
    return found.length > 0 ? found : FALLBACK_PRAGMAS;
  } catch {
    return FALLBACK_PRAGMAS;
  }
}

export async function openSqliteStore(path: string): Promise<BaselineStore> {
  const migrating = createDatabase({ dbPath: path });
  await migrateToLatest(migrating, undefined);
  await migrating.destroy();

  const db = new SQLite(path);
  for (const pragma of servicePragmas()) db.pragma(pragma);
  const insertEvent = db.prepare(
    `${INSERT_EVENT}(@id, @partner_id, @deal_id, @touchpoint_type, @timestamp, @metadata, @request_hash, @created_at)`,
  );
  const listPartners = db.prepare(toQuestionMarks(LIST_PARTNERS));
  const countPartners = db.prepare(COUNT_PARTNERS);
  let readAttribution: { result: SQLite.Statement; shares: SQLite.Statement } | undefined;

  const insertEvents = db.transaction((rows: readonly EventRow[]) => {
    for (const row of rows) insertEvent.run(row);
  });

  return {
    async insertEvent(row) {
      insertEvent.run(row);
    },
    async insertEvents(rows) {
      insertEvents(rows);
    },
    async listPartners(limit, offset) {
      const rows = listPartners.all(limit, offset) as Row[];
      const { total } = countPartners.get() as { total: number };
      return { rows, total };
    },
    async readAttribution(dealId) {
      if (!readAttribution) return undefined;
      const result = readAttribution.result.get(dealId) as Row | undefined;
      return result && { result, shares: readAttribution.shares.all(dealId) as Row[] };
    },
    async copyFrom(source) {
      if (!source.sqlitePath) throw new Error('copyFrom: sqlitePath is required for SQLite');
      const from = new SQLite(source.sqlitePath, { readonly: true });
      try {
        db.pragma('foreign_keys = OFF');
        db.transaction(() => {
          for (const table of source.tables) {
            for (const row of selectRowsSqlite(from, table, source.dealIds)) insertRowSqlite(db, table.name, row);
          }
        })();
      } finally {
        db.pragma('foreign_keys = ON');
        from.close();
      }
      if (source.attribution) {
        readAttribution = {
          result: db.prepare(toQuestionMarks(READ_RESULT)),
          shares: db.prepare(toQuestionMarks(READ_SHARES)),
        };
      }
    },
    async close() {
      db.close();
    },
  };
}

function selectRowsSqlite(db: SQLite.Database, table: CopiedTable, dealIds: string[]): Row[] {
  if (!table.dealColumn) return db.prepare(`select * from ${table.name}`).all() as Row[];
  const rows: Row[] = [];
  const select = db.prepare(`select * from ${table.name} where ${table.dealColumn} = ?`);
  for (const id of dealIds) rows.push(...(select.all(id) as Row[]));
  return rows;
}

function insertRowSqlite(db: SQLite.Database, table: string, row: Row): void {
  const columns = Object.keys(row);
  db.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`).run(
    ...columns.map((column) => row[column]),
  );
}

export async function openPostgresStore(url: string): Promise<BaselineStore> {
  const migrating = createDatabase({ dbPath: '', databaseUrl: url });
  await migrateToLatest(migrating, url);
  await migrating.destroy();

  // Importing src/storage/db.ts has set the service's type parsers: bigint comes back as a number here too.
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => undefined);
  // Named statements: each connection prepares them once, as a bare client would.
  const named = (name: string, text: string, values: unknown[]) => ({ name, text, values });
  let attribution = false;

  return {
    async insertEvent(row) {
      await pool.query(
        named('insert_event', `${INSERT_EVENT}($1, $2, $3, $4, $5, $6, $7, $8)`, [
          row.id,
          row.partner_id,
          row.deal_id,
          row.touchpoint_type,
          row.timestamp,
          row.metadata,
          row.request_hash,
          row.created_at,
        ]),
      );
    },
    async insertEvents(rows) {
      // One multi-row insert (8 parameters a row) in one transaction, as the driver allows.
      const values = rows.map((_, row) => `(${Array.from({ length: 8 }, (_, column) => `$${row * 8 + column + 1}`).join(', ')})`);
      await pool.query(
        `${INSERT_EVENT}${values.join(', ')}`,
        rows.flatMap((row) => [row.id, row.partner_id, row.deal_id, row.touchpoint_type, row.timestamp, row.metadata, row.request_hash, row.created_at]),
      );
    },
    async listPartners(limit, offset) {
      // Two statements on two connections at once, as the service's Promise.all does.
      const [list, count] = await Promise.all([
        pool.query<Row>(named('list_partners', LIST_PARTNERS, [limit, offset])),
        pool.query<{ total: number }>(named('count_partners', COUNT_PARTNERS, [])),
      ]);
      return { rows: list.rows, total: Number(count.rows[0]?.total) };
    },
    async readAttribution(dealId) {
      if (!attribution) return undefined;
      // One after the other, as the service does (the shares only when there is a result).
      const result = await pool.query<Row>(named('read_result', READ_RESULT, [dealId]));
      if (!result.rows[0]) return undefined;
      const shares = await pool.query<Row>(named('read_shares', READ_SHARES, [dealId]));
      return { result: result.rows[0], shares: shares.rows };
    },
    async copyFrom(source) {
      if (!source.databaseUrl) throw new Error('copyFrom: databaseUrl is required for PostgreSQL');
      const from = new pg.Client({ connectionString: source.databaseUrl });
      await from.connect();
      try {
        for (const table of source.tables) {
          const { rows } = table.dealColumn
            ? await from.query<Row>(`select * from ${table.name} where ${table.dealColumn} = any($1)`, [source.dealIds])
            : await from.query<Row>(`select * from ${table.name}`);
          for (const row of rows) {
            const columns = Object.keys(row);
            await pool.query(
              `insert into ${table.name} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
              columns.map((column) => row[column]),
            );
          }
        }
      } finally {
        await from.end();
      }
      attribution ||= source.attribution === true;
    },
    async close() {
      await pool.end();
    },
  };
}

/** GET /attribution's answer in the service's shape, from the stored rows; money in cents (the benchmark's deals are all USD). */
export function storedAttributionAnswer(dealId: string, { result, shares }: { result: Row; shares: Row[] }) {
  const attributions = shares
    .map((share) => ({
      partner_id: share.partner_id,
      partner_name: share.partner_name,
      percentage: Number(share.basis_points) / 100,
      payout: Number(share.payout) / 100,
      touchpoints: Number(share.touchpoints),
      role: share.roles,
    }))
    .sort((a, b) => b.payout - a.payout || String(a.partner_id).localeCompare(String(b.partner_id)));
  return {
    deal_id: dealId,
    total_amount: Number(result.amount_minor) / 100,
    currency: result.currency,
    model: result.model,
    attributions,
    calculated_at: new Date(Number(result.calculated_at)).toISOString(),
    cached: true,
  };
}
