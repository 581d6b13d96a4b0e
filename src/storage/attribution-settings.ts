import { isPostgres, type Db } from './db.js';

/**
 * Takes the row lock on a setting (creating it empty if needed) so that two concurrent changes
 * read, merge and write one after the other instead of the second losing the first's change.
 */
export async function lockSetting(db: Db, key: string, now: number): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value: '{}', updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ updated_at: eb.ref('settings.updated_at') })))
    .execute();
}

/**
 * Takes a shared lock on a setting (PostgreSQL): a transaction that recomputes results holds it
 * so that a settings change waits for it to commit, or it for the change, and never computes
 * from settings a change is replacing. Recomputations do not wait for each other.
 */
export async function shareSetting(db: Db, key: string): Promise<void> {
  if (isPostgres(db)) await db.selectFrom('settings').select('key').where('key', '=', key).forShare().execute();
}
