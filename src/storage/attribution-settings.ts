import type { Db } from './db.js';

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
