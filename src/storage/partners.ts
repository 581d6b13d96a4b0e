import { sql } from 'kysely';
import { compileOnce } from './compiled.js';
import { containsPattern, isPostgres, readSqliteRaw, type Db } from './db.js';
import type { NewPartnerRow, PartnerRow, PartnerUpdate } from './schema.js';

export async function insertPartner(db: Db, row: NewPartnerRow): Promise<void> {
  await db.insertInto('partners').values(row).execute();
}

export async function findPartner(db: Db, id: string): Promise<PartnerRow | undefined> {
  return db.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPartnerByEmail(db: Db, emailNormalized: string): Promise<PartnerRow | undefined> {
  return db.selectFrom('partners').selectAll().where('email_normalized', '=', emailNormalized).executeTakeFirst();
}

/** The ids among `ids` that name existing partners. */
export async function findExistingPartnerIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('partners').select('id').where('id', 'in', [...new Set(ids)]).execute();
  return new Set(rows.map((row) => row.id));
}

export interface PartnerListQuery {
  search?: string | undefined;
  limit: number;
  offset: number;
}

/** A partner as lists show it: the encrypted payout details and the normalised email stay unread. */
export type ListedPartner = Omit<PartnerRow, 'payout_details_encrypted' | 'email_normalized'>;

const LISTED_COLUMNS = ['id', 'name', 'email', 'payout_details_masked', 'status', 'created_at', 'updated_at'] as const;

/** Partners oldest first; `search` matches name or email, case-insensitively, anywhere. */
export async function listPartners(db: Db, query: PartnerListQuery): Promise<{ data: ListedPartner[]; total: number }> {
  if (!query.search) {
    if (isPostgres(db)) return countedPartnerPage(db, query);
    const page = await readSqliteRaw(db, (all) => sqliteCountedPage(all, query));
    if (page) return page;
    // Inside a transaction: through Kysely.
    const [data, [count]] = await Promise.all([partnerPage(db, [query.limit, query.offset]), partnerCount(db, [])]);
    return { data, total: Number(count!.total) };
  }
  const pattern = containsPattern(query.search.toLowerCase());
  const filtered = db.selectFrom('partners').where((eb) =>
    eb.or([
      sql<boolean>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
      sql<boolean>`${eb.ref('email_normalized')} like ${pattern} escape '\\'`,
    ]),
  );
  const [data, count] = await Promise.all([
    filtered.select(LISTED_COLUMNS).orderBy('created_at').orderBy('id').limit(query.limit).offset(query.offset).execute(),
    filtered.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { data, total: Number(count.total) };
}

// GET /partners without a search: built once.
const partnerPage = compileOnce(2, (db, [limit, offset]) =>
  db
    .selectFrom('partners')
    .select(LISTED_COLUMNS)
    .orderBy('created_at')
    .orderBy('id')
    .limit(sql<number>`${limit}`)
    .offset(sql<number>`${offset}`),
);
const partnerCount = compileOnce(0, (db) => db.selectFrom('partners').select((eb) => eb.fn.countAll<number>().as('total')));

const SQLITE_COUNTED_PAGE = `select ${LISTED_COLUMNS.join(', ')}, (select count(*) from partners) from partners order by created_at, id limit ? offset ?`;
const SQLITE_COUNT = 'select count(*) from partners';

/**
 * SQLite: the page with the count as its last column, in one statement (the count is computed
 * once), as arrays of values: GET /partners's read in about 60 µs of CPU instead of 110 for two
 * statements of row objects (docs/benchmark.md, "Stop 17"). A page past the end has no row to carry the
 * count, which is then read on its own, on the connection still held.
 */
function sqliteCountedPage(all: (text: string, parameters: readonly unknown[]) => unknown[][], query: PartnerListQuery) {
  const rows = all(SQLITE_COUNTED_PAGE, [query.limit, query.offset]) as [...ListedRow, number][];
  const total = rows.length > 0 ? rows[0]![LISTED_COLUMNS.length] : (all(SQLITE_COUNT, [])[0]![0] as number);
  const data = rows.map(([id, name, email, payout_details_masked, status, created_at, updated_at]): ListedPartner => ({
    id,
    name,
    email,
    payout_details_masked,
    status,
    created_at,
    updated_at,
  }));
  return { data, total: Number(total) };
}

type ListedRow = [
  id: string,
  name: string,
  email: string,
  payout_details_masked: string | null,
  status: ListedPartner['status'],
  created_at: number,
  updated_at: number,
];

/**
 * PostgreSQL: the page and the count in one statement (one round trip, one snapshot). The count
 * is the outer row, so a page past the end still answers one row, of the count and nulls.
 */
async function countedPartnerPage(db: Db, query: PartnerListQuery): Promise<{ data: ListedPartner[]; total: number }> {
  const rows = await countedPage(db, [query.limit, query.offset]);
  const data: ListedPartner[] = [];
  for (const row of rows) {
    if (row.id === null) continue;
    data.push({
      id: row.id,
      name: row.name!,
      email: row.email!,
      payout_details_masked: row.payout_details_masked,
      status: row.status!,
      created_at: row.created_at!,
      updated_at: row.updated_at!,
    });
  }
  return { data, total: Number(rows[0]?.total ?? 0) };
}

const countedPage = compileOnce(2, (db, [limit, offset]) =>
  db
    .selectFrom(db.selectFrom('partners').select((eb) => eb.fn.countAll<number>().as('total')).as('counted'))
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('partners')
          .select(LISTED_COLUMNS)
          .orderBy('created_at')
          .orderBy('id')
          .limit(sql<number>`${limit}`)
          .offset(sql<number>`${offset}`)
          .as('page'),
      (join) => join.onTrue(),
    )
    .select(['counted.total', ...LISTED_COLUMNS.map((column) => `page.${column}` as const)])
    .orderBy('page.created_at')
    .orderBy('page.id'),
);

export async function updatePartner(db: Db, id: string, changes: PartnerUpdate): Promise<void> {
  await db.updateTable('partners').set(changes).where('id', '=', id).execute();
}

/** How many touchpoints the partner has, and on how many distinct deals. */
export async function countPartnerActivity(db: Db, partnerId: string) {
  const row = await db
    .selectFrom('events')
    .select((eb) => [
      eb.fn.countAll<number>().as('touchpoints'),
      eb.fn.count<number>('deal_id').distinct().as('deals'),
    ])
    .where('partner_id', '=', partnerId)
    .executeTakeFirstOrThrow();
  return { touchpoints: Number(row.touchpoints), deals: Number(row.deals) };
}
