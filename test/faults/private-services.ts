import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../process/server-process.js';

/**
 * PostgreSQL and Redis of our own, on free ports, for tests that stop, freeze and kill them.
 * The machine's shared servers are never touched.
 */

const POSTGRES_ROOT = '/usr/lib/postgresql';

function postgresBin(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT).filter((name) => existsSync(join(POSTGRES_ROOT, name, 'bin', 'initdb')));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(POSTGRES_ROOT, newest, 'bin') : undefined;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (result.status !== 0 || group.status !== 0) return undefined;
  return { uid: Number(result.stdout.trim()), gid: Number(group.stdout.trim()) };
}

const hasRedis = () => spawnSync('redis-server', ['--version']).status === 0;

/** Why the private servers cannot run here, or undefined when they can. */
export function missingPrivateServices(): string | undefined {
  return required(whyMissing());
}

function whyMissing(): string | undefined {
  if (!postgresBin()) return `no PostgreSQL binaries under ${POSTGRES_ROOT} (apt-get install postgresql)`;
  if (userInfo().uid !== 0 || !postgresUser()) return 'initdb needs root and a postgres user';
  if (!hasRedis()) return 'no redis-server on the PATH (apt-get install redis-server)';
  return undefined;
}

/**
 * Passes a reason to skip through, unless REQUIRE_FAULT_TESTS is set (CI sets it): there a fault
 * test that cannot run is a failure, not a skip nobody reads.
 */
export function required(reason: string | undefined): string | undefined {
  if (reason && process.env.REQUIRE_FAULT_TESTS) throw new Error(`REQUIRE_FAULT_TESTS is set, but the fault tests cannot run: ${reason}`);
  return reason;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process and its state letter from /proc (R running, S sleeping, T stopped, Z zombie…). */
interface ProcessEntry {
  pid: number;
  state: string;
}

/** Every process under `pid` (the postmaster's backends and helpers), `pid` first. */
function processTree(pid: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  let root: ProcessEntry | undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid …; comm may contain spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ') as [string, string];
      const found = { pid: Number(entry), state };
      if (found.pid === pid) root = found;
      children.set(Number(ppid), [...(children.get(Number(ppid)) ?? []), found]);
    } catch {
      // gone meanwhile
    }
  }
  const tree: ProcessEntry[] = [];
  const visit = (member: ProcessEntry) => {
    tree.push(member);
    for (const child of children.get(member.pid) ?? []) visit(child);
  };
  if (root) visit(root);
  return tree;
}

export interface PrivatePostgres {
  url: string;
  port: number;
  start: () => Promise<void>;
  /** SIGINT is a fast shutdown, SIGQUIT an immediate one (no checkpoint, like a crash). */
  stop: (mode: 'fast' | 'immediate') => Promise<void>;
  /** SIGSTOP or SIGCONT to the postmaster and every backend: the whole server freezes. */
  freeze: () => void;
  thaw: () => void;
  /** pg_terminate_backend on every client connection but its own; how many it ended. */
  terminateClients: () => Promise<number>;
  query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>;
  destroy: () => Promise<void>;
}

/** initdb into a temporary directory as the postgres user, then start it on a free port. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin()!;
  const user = postgresUser()!;
  const directory = mkdtempSync(join(tmpdir(), 'attribution-pg-'));
  chownSync(directory, user.uid, user.gid);
  const data = join(directory, 'data');
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
    ...user,
    cwd: directory,
    encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  let postmaster: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    postmaster = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', directory, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=50'],
      { ...user, cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    postmaster.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    postmaster.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch {
        await sleep(100);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    throw new Error(`private PostgreSQL did not start:\n${log}`);
  };

  const stop = async (mode: 'fast' | 'immediate') => {
    const running = postmaster;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
  };

  const signalAll = (signal: NodeJS.Signals, pids: readonly number[] = processTree(postmaster!.pid!).map((member) => member.pid)) => {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
  };

  // The postmaster first, so that it forks no backend after the listing below; then every process
  // under it, listed again until none still runs. Listing /proc takes milliseconds, and a backend
  // forked meanwhile (the pool reconnects under load) used to stay awake and answer: a frozen
  // server that still served some connections, and enforced statement_timeout on them.
  const freeze = () => {
    const root = postmaster!.pid!;
    signalAll('SIGSTOP', [root]);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const running = processTree(root)
        .filter((member) => !['T', 'Z', 'X'].includes(member.state))
        .map((member) => member.pid);
      if (running.length === 0) return;
      if (Date.now() > deadline) throw new Error(`private PostgreSQL: processes ${running.join(', ')} did not stop`);
      signalAll('SIGSTOP', running);
    }
  };

  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    freeze,
    thaw: () => signalAll('SIGCONT'),
    terminateClients: async () =>
      (
        await query<{ ended: boolean }>(
          `select pg_terminate_backend(pid) as ended from pg_stat_activity
           where backend_type = 'client backend' and pid <> pg_backend_pid()`,
        )
      ).filter((row) => row.ended).length,
    query,
    destroy: async () => {
      if (postmaster && postmaster.exitCode === null) {
        signalAll('SIGCONT');
        await stop('immediate');
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  url: string;
  freeze: () => void;
  thaw: () => void;
  destroy: () => Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/i.test(log)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`private Redis did not start:\n${log}`);
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    destroy: async () => {
      child.kill('SIGCONT');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
