import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import { isPostgres, type Db } from './db.js';
import type { Database } from './schema.js';

/*
 * Set-based statements with one parameter: a list of ids (JSON text on SQLite, an array on
 * PostgreSQL) or a JSON array of rows. An `in (…)` list or a multi-row insert has one placeholder
 * per value, so each length is a statement of its own, which Kysely builds and the engine parses
 * anew; on SQLite, preparing a statement of thousands of placeholders cost more than running it.
 * One parameter keeps the text of the statement fixed: it is built once (`compileOnce`), and
 * SQLite's statement cache keeps it prepared.
 */

/** How a column travels in a JSON row: an id or code (compared byte by byte), other text, an integer. */
export type JsonColumn = 'key' | 'text' | 'integer';

/**
 * The one parameter that carries a list of ids: JSON text on SQLite, an array on PostgreSQL.
 * PostgreSQL plans an unnamed statement with its parameters' values, so it knows the array's
 * length; a set-returning function over JSON it estimates at 100 rows, which chose a scan of
 * the shares table for one deal.
 */
export function idListParameter(db: Db, ids: readonly string[]): unknown {
  return isPostgres(db) ? [...ids] : JSON.stringify(ids);
}

/**
 * `column in (the listed ids)`, the list being one parameter made by {@link idListParameter}.
 * @example db.selectFrom('deals').selectAll().where(inIdList(db, 'deals.id', ids))
 */
export function inIdList(db: Db, column: string, ids: unknown): RawBuilder<SqlBool> {
  return isPostgres(db) ? sql`${sql.ref(column)} = any(cast(${ids} as text[]))` : sql`${sql.ref(column)} in (select value from json_each(${ids}))`;
}

/** `column not in (the listed ids)`: the negation of {@link inIdList}, with the list looked up by hash on both engines. */
export function notInIdList(db: Db, column: string, ids: unknown): RawBuilder<SqlBool> {
  return sql`not (${inIdList(db, column, ids)})`;
}

/** The listed ids as a table of one column, `value`, in the list's order: the source of an `insert … select`. */
export function idListTable(db: Db, ids: unknown): RawBuilder<{ value: string }> {
  return isPostgres(db) ? sql`(select value from unnest(cast(${ids} as text[])) as list(value))` : sql`(select value from json_each(${ids}))`;
}

/**
 * `select … from …` over a JSON array of rows, each an array of values in `columns`' order, with
 * the columns named as given, in the array's order: the source of an `insert … select` (the order
 * is the order of generated keys, `events.seq`). Has a `where` clause, which SQLite needs before an
 * `on conflict` clause.
 */
export function jsonRowsSelect(db: Db, json: string, columns: Readonly<Record<string, JsonColumn>>): RawBuilder<unknown> {
  const postgres = isPostgres(db);
  const fields = Object.entries(columns).map(([name, kind], index) => {
    const value = postgres ? sql`(row->>${sql.lit(index)})` : sql`value->>${sql.lit(index)}`;
    if (!postgres) return sql`${value} as ${sql.ref(name)}`;
    if (kind === 'integer') return sql`cast(${value} as bigint) as ${sql.ref(name)}`;
    return kind === 'key' ? sql`${value} collate "C" as ${sql.ref(name)}` : sql`${value} as ${sql.ref(name)}`;
  });
  return postgres
    ? sql`select ${sql.join(fields)} from json_array_elements(cast(${json} as json)) with ordinality as rows(row, position) where true order by position`
    : sql`select ${sql.join(fields)} from json_each(${json}) where true order by key`;
}

/** How each column of a table's JSON rows travels, in the rows' order. */
export type JsonColumns<Table extends keyof Database> = Readonly<Partial<Record<keyof Database[Table] & string, JsonColumn>>>;

/**
 * `insert into table (columns) select … from` the JSON rows (see {@link toJsonRows}).
 * @example insertJsonRows(db, 'audit_log', json, { id: 'key', at: 'integer', … }).onConflict(…)
 */
export function insertJsonRows<Table extends keyof Database & string>(db: Db, table: Table, json: string, columns: JsonColumns<Table>) {
  return db
    .insertInto(table)
    .columns(Object.keys(columns) as never)
    .expression(jsonRowsSelect(db, json, columns as Record<string, JsonColumn>));
}

/** The rows as `jsonRowsSelect` reads them: each row's values in the columns' order. */
export function toJsonRows<Row>(rows: readonly Row[], columns: Readonly<Partial<Record<keyof Row & string, JsonColumn>>>): string {
  const names = Object.keys(columns) as (keyof Row & string)[];
  return JSON.stringify(rows.map((row) => names.map((name) => row[name])));
}

const ROWS_PER_INSERT = 2000;

/**
 * A plain insert of many rows, compiled once: the rows go as JSON, 2,000 to a statement.
 * @example const insertAuditRows = jsonRowsInsert('audit_log', AUDIT_COLUMNS_JSON); await insertAuditRows(db, rows);
 */
export function jsonRowsInsert<Table extends keyof Database & string>(table: Table, columns: JsonColumns<Table>) {
  const insert = compileOnce(1, (db, [rowsJson]) => insertJsonRows(db, table, rowsJson!, columns));
  return async (db: Db, rows: readonly Database[Table][]): Promise<void> => {
    for (const chunk of chunks(rows, ROWS_PER_INSERT)) await insert(db, [toJsonRows(chunk, columns)]);
  };
}
