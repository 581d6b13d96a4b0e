import { sql, type RawBuilder } from 'kysely';

/*
 * The `do update set` of an `insert … on conflict`, for the two shapes the storage layer uses:
 * take the refused row's values, or add them to the stored ones. Column names come from the
 * code, never from input.
 */

/**
 * `column = excluded.column` for each column: the new row replaces the stored one. Typed `never`
 * so that it fits every column's type: the value is the same column's, of the same table.
 */
export function takeExcluded<Column extends string>(columns: readonly Column[]): Record<Column, RawBuilder<never>> {
  return Object.fromEntries(columns.map((column) => [column, sql.ref(`excluded.${column}`)])) as Record<Column, RawBuilder<never>>;
}

/** `column = table.column + excluded.column` for each column: the new row's counts are added. */
export function addExcluded<Column extends string>(table: string, columns: readonly Column[]): Record<Column, RawBuilder<number>> {
  const sums = columns.map((column) => [column, sql<number>`${sql.ref(`${table}.${column}`)} + ${sql.ref(`excluded.${column}`)}`]);
  return Object.fromEntries(sums) as Record<Column, RawBuilder<number>>;
}
