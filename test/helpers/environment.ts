/**
 * What the test environment offers. `npm test` runs every file on SQLite and, when
 * TEST_DATABASE_URL is set, again on PostgreSQL (vitest.config.ts sets TEST_DIALECT per project).
 */

export type TestDialect = 'sqlite' | 'postgres';

const nonEmpty = (value: string | undefined) => (value ? value : undefined);

/** A PostgreSQL database the tests may create and drop schemas in. */
export const TEST_DATABASE_URL = nonEmpty(process.env.TEST_DATABASE_URL);
/** A Redis the tests may write short-lived, namespaced keys to. */
export const TEST_REDIS_URL = nonEmpty(process.env.TEST_REDIS_URL);

export const HOW_TO_RUN_EVERYTHING =
  'TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test TEST_REDIS_URL=redis://127.0.0.1:6379 npm test';

/** The database this test file's apps run on. */
export function testDialect(): TestDialect {
  const dialect = process.env.TEST_DIALECT ?? 'sqlite';
  if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error(`TEST_DIALECT must be sqlite or postgres, got ${dialect}`);
  if (dialect === 'postgres' && !TEST_DATABASE_URL) {
    throw new Error(`TEST_DIALECT=postgres needs TEST_DATABASE_URL, e.g. ${HOW_TO_RUN_EVERYTHING}`);
  }
  return dialect;
}

/** Which of the variables a PostgreSQL- or Redis-only test needs are missing, or undefined when none is. */
export function missingServices(needs: { postgres?: boolean; redis?: boolean }): string | undefined {
  const missing = [
    ...(needs.postgres && !TEST_DATABASE_URL ? ['TEST_DATABASE_URL'] : []),
    ...(needs.redis && !TEST_REDIS_URL ? ['TEST_REDIS_URL'] : []),
  ];
  return missing.length === 0 ? undefined : `needs ${missing.join(' and ')}; run: ${HOW_TO_RUN_EVERYTHING}`;
}
