// Stays well under SQLite's and PostgreSQL's bound-parameter limits.
export const IN_LIST_CHUNK = 1000;

/**
 * `items` without repeats, in slices of at most `size`: small enough for one `in (…)` list or
 * one multi-row statement.
 * @example chunks(['a', 'b', 'a', 'c'], 2) // [['a', 'b'], ['c']]
 */
export function chunks<T>(items: readonly T[], size = IN_LIST_CHUNK): T[][] {
  const unique = [...new Set(items)];
  const slices: T[][] = [];
  for (let start = 0; start < unique.length; start += size) slices.push(unique.slice(start, start + size));
  return slices;
}
