import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Db } from './db.js';

export type QueryObserver = (kind: string, seconds: number) => void;

/**
 * `db` with every successful query timed and reported to `observe` with its kind
 * (`select`, `insert`, `update`, `delete`, `raw`, …). Transactions opened on the returned
 * instance are timed too. Failed queries are not reported: their error is logged elsewhere.
 * @example const timed = withQueryTiming(db, (kind, seconds) => histogram.observe({ kind }, seconds));
 */
export function withQueryTiming(db: Db, observe: QueryObserver): Db {
  return db.withPlugin(new QueryTimingPlugin(observe));
}

class QueryTimingPlugin implements KyselyPlugin {
  readonly #started = new WeakMap<object, { kind: string; at: bigint }>();

  constructor(private readonly observe: QueryObserver) {}

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    this.#started.set(queryId, { kind: kindOf(node), at: process.hrtime.bigint() });
    return node;
  }

  async transformResult({ queryId, result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const started = this.#started.get(queryId);
    if (started) this.observe(started.kind, Number(process.hrtime.bigint() - started.at) / 1e9);
    return result;
  }
}

const kinds = new Map<string, string>();

/** `SelectQueryNode` → `select`, `RawNode` → `raw` (a handful of kinds, named once each). */
function kindOf(node: RootOperationNode): string {
  let kind = kinds.get(node.kind);
  if (kind === undefined) kinds.set(node.kind, (kind = node.kind.replace(/(Query)?Node$/, '').toLowerCase()));
  return kind;
}
