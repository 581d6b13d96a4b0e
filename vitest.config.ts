import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// `npm test` runs every file on SQLite and, when TEST_DATABASE_URL names a PostgreSQL database,
// every file again on PostgreSQL (each file in a fresh schema; see test/helpers/database.ts).
// The scale-out tests (several instances on PostgreSQL and Redis) run once, in their own project,
// and skip with a message naming the variables they need when those are not set.
const postgres = Boolean(process.env.TEST_DATABASE_URL);
if (!postgres && process.argv.some((arg) => /^(--project=)?postgres$/.test(arg))) {
  throw new Error('The postgres project needs TEST_DATABASE_URL, e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test');
}

// These files never open the test database (pure domain code; servers spawned on their own SQLite
// file, or on a private PostgreSQL and Redis they start and break themselves), so a second run on
// PostgreSQL would repeat them without testing anything new.
const DATABASE_FREE = ['test/domain/**', 'test/data-driven/fit-thread.test.ts', 'test/process/**', 'test/faults/**', 'test/hardening/install.test.ts', 'test/hardening/csv-cells.test.ts'];

const project = (name: string, dialect: 'sqlite' | 'postgres', include: string[], exclude: string[] = []) =>
  ({
    extends: true,
    test: { name, include, exclude: [...configDefaults.exclude, ...exclude], env: { TEST_DIALECT: dialect } },
  }) satisfies TestProjectInlineConfiguration;

export default defineConfig({
  test: {
    // Generous: CI has 2 cores for three projects and spawned servers.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
    projects: [
      project('sqlite', 'sqlite', ['test/**/*.test.ts'], ['test/scale-out/**']),
      ...(postgres ? [project('postgres', 'postgres', ['test/**/*.test.ts'], ['test/scale-out/**', ...DATABASE_FREE])] : []),
      project('scale-out', postgres ? 'postgres' : 'sqlite', ['test/scale-out/**/*.test.ts']),
    ],
  },
});
