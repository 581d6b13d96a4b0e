import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { cpuSecondsOf, type Cleanup } from './processes.js';

/**
 * Creates a throw-away database next to the one `serverUrl` names and returns its URL;
 * the cleanup drops it (forcing out any connection left behind).
 */
export async function createThrowawayDatabase(cleanup: Cleanup, serverUrl: string, label: string): Promise<string> {
  const name = `bench_${label}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`create database ${name}`));
  cleanup.add(`drop database ${name}`, async () => {
    await withAdminClient(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdminClient<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The server's version and the settings that matter for write throughput, for the report. */
export async function describePostgres(serverUrl: string): Promise<string> {
  return withAdminClient(serverUrl, async (client) => {
    const { rows } = await client.query<{ name: string; setting: string }>(
      "select name, setting from pg_settings where name in ('server_version', 'synchronous_commit', 'fsync', 'shared_buffers', 'max_connections', 'autovacuum')",
    );
    return rows.map((row) => `${row.name}=${row.setting}`).join(', ');
  });
}

/**
 * `vacuum analyze` of a whole database. The bench calls it once after the bulk import, on the
 * service's and the baseline's database alike: a server with autovacuum on (PostgreSQL's default)
 * would have analysed tables that grew from nothing to a million rows, while one with it off (as
 * on the machines this project is developed on) leaves the planner without statistics and every
 * deleted queue row in place, which no production database looks like.
 */
export async function vacuumAnalyze(databaseUrl: string): Promise<void> {
  await withAdminClient(databaseUrl, (client) => client.query('vacuum analyze'));
}

/**
 * CPU ms used so far by the backends serving `client`'s database (from /proc: the server must run
 * on this machine), `client`'s own backend left out unless `includeOwn`. A backend that ended is skipped.
 */
export async function backendsCpuMs(client: Pick<pg.Client, 'query'> | pg.Pool, includeOwn = true): Promise<number> {
  const own = includeOwn ? '' : ' and pid <> pg_backend_pid()';
  const { rows } = await client.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()${own}`);
  let seconds = 0;
  for (const { pid } of rows) seconds += cpuSecondsOf(pid) ?? 0;
  return seconds * 1000;
}
