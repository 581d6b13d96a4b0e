import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * `SUM` of an integer money column, as exact decimal text on both engines: PostgreSQL sums
 * `bigint` into `numeric` (and pg would round it through a double), SQLite into a 64-bit integer
 * (and better-sqlite3 would too). Read it with {@link readExactSum}. A qualified column name
 * (`'attribution_shares.payout'`) or any integer expression.
 */
export function exactSum(column: string | Expression<unknown>): RawBuilder<string | null> {
  return sql<string | null>`cast(sum(${typeof column === 'string' ? sql.ref(column) : column}) as text)`;
}

/**
 * An integer sum read exactly; `null` (no rows) is 0. Throws on anything that is not an integer,
 * instead of passing on a rounded figure.
 * @example readExactSum('9007199254740993') // 9007199254740993n
 */
export function readExactSum(value: string | number | bigint | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`inexact integer sum: ${value}`);
  if (typeof value === 'string' && !/^-?\d+$/.test(value)) throw new Error(`not an integer sum: ${value}`);
  return BigInt(value);
}
