import { compareIds } from './partner-path.js';
import type { ShapleyCoalition, ShapleyFit } from './shapley.js';

/**
 * A {@link ShapleyFit} as stored: its partners once, sorted by id, and its coalitions (in the
 * fit's order) as one flat table of (size, member indexes into `partnerIds`…, won, lost).
 * 128,000 coalitions at 2,000 partners are 7.2 MB of JSON as objects and about a third of that as
 * this table, written by every refit and parsed by every instance.
 */
export interface PackedShapleyFit extends Omit<ShapleyFit, 'coalitions'> {
  partnerIds: string[];
  coalitionTable: number[];
}

/**
 * @example
 * JSON.stringify(packShapleyFit(fit)); // what the service stores
 */
export function packShapleyFit(fit: ShapleyFit): PackedShapleyFit {
  const partnerIds = [...new Set(fit.coalitions.flatMap((coalition) => coalition.partnerIds))].sort(compareIds);
  const index = new Map(partnerIds.map((id, i) => [id, i]));
  const coalitionTable: number[] = [];
  for (const { partnerIds: members, won, lost } of fit.coalitions) {
    coalitionTable.push(members.length);
    for (const id of members) coalitionTable.push(index.get(id) as number);
    coalitionTable.push(won, lost);
  }
  const { model, version, wonDeals, lostDeals } = fit;
  return { model, version, wonDeals, lostDeals, partnerIds, coalitionTable };
}

/**
 * The fit a {@link packShapleyFit} table stands for, equal to the one packed (tested). A fit
 * stored before the table existed (with `coalitions`) is returned as it is.
 *
 * @example
 * readStoredShapleyFit(JSON.parse(storedJson));
 */
export function readStoredShapleyFit(stored: PackedShapleyFit | ShapleyFit): ShapleyFit {
  if (!('coalitionTable' in stored)) return stored;
  const { coalitionTable: table, partnerIds: ids } = stored;
  const coalitions: ShapleyCoalition[] = [];
  for (let at = 0; at < table.length; ) {
    const size = table[at] as number;
    const partnerIds = new Array<string>(size);
    for (let m = 0; m < size; m += 1) partnerIds[m] = ids[table[at + 1 + m] as number] as string;
    coalitions.push({ partnerIds, won: table[at + 1 + size] as number, lost: table[at + 2 + size] as number });
    at += size + 3;
  }
  const { model, version, wonDeals, lostDeals } = stored;
  return { model, version, wonDeals, lostDeals, coalitions };
}
