import type { Kysely, Migration } from 'kysely';

// Frozen once merged: add a new migration instead of editing this one.

/**
 * Masks stored before this migration showed a value's length and, for values of 5–8 characters,
 * most of the value. Rewrites each as the new rule would have made it, from the old mask alone
 * (the clear value needs the encryption key, which migrations never see): a fixed run of `*` and at
 * most the last 4 characters, never more than half. An old mask of a value of 4 characters or fewer
 * kept nothing visible, so the new one shows nothing either.
 */
export const payoutMasksMigration = (): Migration => ({ up, down: async () => undefined });

const MASK = '******';

/** The new mask from the old one: `'*'.repeat(n - 4) + last4`, or `'*'.repeat(n)` when n ≤ 4. */
export function remaskOldMask(old: string): string {
  const length = [...old].length;
  if (length <= 4) return MASK;
  const shown = Math.min(4, Math.floor(length / 2));
  return MASK + [...old].slice(length - shown).join('');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function up(db: Kysely<any>): Promise<void> {
  const rows = (await db
    .selectFrom('partners')
    .select(['id', 'payout_details_masked'])
    .where('payout_details_masked', 'is not', null)
    .execute()) as { id: string; payout_details_masked: string }[];
  for (const row of rows) {
    const old = JSON.parse(row.payout_details_masked) as Record<string, string>;
    const masked = Object.fromEntries(Object.entries(old).map(([name, value]) => [name, remaskOldMask(value)]));
    await db.updateTable('partners').set({ payout_details_masked: JSON.stringify(masked) }).where('id', '=', row.id).execute();
  }
}
