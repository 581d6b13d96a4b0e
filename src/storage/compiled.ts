import { createQueryId, type Compilable, type CompiledQuery, type RootOperationNode } from 'kysely';
import { isPostgres, type Db } from './db.js';
import { preparedOnPostgres } from './observed-dialect.js';

/** One call's values, in the order the builder names them. */
type Values = readonly unknown[];

/**
 * A query whose SQL is built once per engine; each call then only binds its values (on PostgreSQL
 * to a statement each connection prepares once, see `preparedOnPostgres`). Kysely
 * otherwise rebuilds and recompiles the same tree on every call (10–15 % of the hot routes'
 * CPU, docs/benchmark-history.md). `build` receives placeholders in place of the values: it must use
 * them only as values (never to choose the query's shape).
 * @example
 * const findKey = compileOnce<{ id: string }>(1, (db, [hash]) => db.selectFrom('api_keys').select('id').where('key_hash', '=', hash));
 * await findKey(db, ['…']);
 */
export function compileOnce<Row>(arity: number, build: (db: Db, values: readonly string[]) => Compilable<Row>) {
  const compiled = new Map<boolean, { sql: string; node: RootOperationNode; slots: (number | { value: unknown })[] }>();
  const placeholders = Array.from({ length: arity }, (_, index) => `\u0000compiled-value-${index}\u0000`);
  const slotOf = new Map(placeholders.map((placeholder, index) => [placeholder, index]));

  const compile = (db: Db) => {
    const postgres = isPostgres(db);
    let entry = compiled.get(postgres);
    if (!entry) {
      const query = build(db, placeholders).compile();
      if (postgres) preparedOnPostgres(query.sql);
      const slots = query.parameters.map((parameter) => slotOf.get(parameter as string) ?? { value: parameter });
      entry = { sql: query.sql, node: query.query, slots };
      compiled.set(postgres, entry);
    }
    return entry;
  };

  /** The statement's text for `db`'s engine and its parameters for `values`, for a driver read outside Kysely. */
  const statement = (db: Db, values: Values) => {
    const { sql, node, slots } = compile(db);
    const parameters = slots.map((slot) => (typeof slot === 'number' ? values[slot] : slot.value));
    return { sql, node, parameters };
  };

  const run = async (db: Db, values: Values): Promise<Row[]> => {
    const { sql, node, parameters } = statement(db, values);
    // Plugins still see the query (the metrics time it); one that rewrote it would be ignored.
    const queryId = createQueryId();
    db.getExecutor().transformQuery(node, queryId);
    const query: CompiledQuery<Row> = { sql, parameters, query: node, queryId };
    const result = await db.executeQuery<Row>(query);
    return result.rows;
  };
  return Object.assign(run, { statement });
}
