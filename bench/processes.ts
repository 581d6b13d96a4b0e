import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type CleanupStep = () => Promise<void> | void;

/**
 * Everything the run must undo, newest first: children, temporary directories, databases.
 * Runs once, on success, failure, Ctrl-C or the global time limit.
 */
export class Cleanup {
  readonly #steps: { name: string; step: CleanupStep }[] = [];
  #done: Promise<void> | undefined;

  add(name: string, step: CleanupStep): void {
    this.#steps.push({ name, step });
  }

  removeDirectoryLater(directory: string): void {
    this.add(`remove ${directory}`, () => rmSync(directory, { recursive: true, force: true }));
  }

  run(): Promise<void> {
    this.#done ??= (async () => {
      for (const { name, step } of this.#steps.reverse()) {
        try {
          await step();
        } catch (error) {
          console.error(`cleanup: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.#done;
  }
}

/** A port nobody listens on right now, on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** The last lines it wrote to stderr and stdout, for error messages. */
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts a child whose output is kept (not shown) and which the cleanup stops: SIGTERM, then SIGKILL. */
export function startChild(
  cleanup: Cleanup,
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Child {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  cleanup.add(`stop ${name}`, () => stopChild(child, exited));
  return { name, process: child, pid: child.pid, output: () => tail, exited };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `url` until it answers 200, the child exits, or `timeoutMs` passes. */
export async function waitUntilReady(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void child.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${child.name} exited (code ${exitCode}) before it was ready:\n${child.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  throw new Error(`${child.name} was not ready after ${timeoutMs / 1000} s:\n${child.output()}`);
}

/** Resident memory of a process, from /proc (Linux): the current and the peak (high-water mark), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Polls a process's resident memory, to tell which phase of the run made it grow. */
export class MemorySampler {
  readonly #samples: { atUs: number; rss: number }[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(readonly pid: number, intervalMs = 200) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  sample(): void {
    const memory = memoryOf(this.pid);
    if (memory) this.#samples.push({ atUs: Number(process.hrtime.bigint() / 1000n), rss: memory.rss });
  }

  /** The largest RSS seen between two instants (µs, monotonic), or undefined. */
  peakBetween(startUs: number, endUs: number): number | undefined {
    let peak: number | undefined;
    for (const { atUs, rss } of this.#samples) if (atUs >= startUs && atUs <= endUs && (peak === undefined || rss > peak)) peak = rss;
    return peak;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** CPU seconds the whole machine has been busy (all cores, from /proc/stat), or undefined. */
export function machineBusySeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Waits (at most `maxSeconds`) until the machine has been nearly idle for a second — below a
 * quarter of one core busy — so that a measurement does not start while another job is running.
 * Returns the seconds waited, or undefined when the machine never became quiet.
 */
export async function waitForQuietMachine(maxSeconds: number): Promise<number | undefined> {
  const started = Date.now();
  for (;;) {
    const before = machineBusySeconds();
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
    const after = machineBusySeconds();
    const waited = (Date.now() - started) / 1000;
    if (before === undefined || after === undefined || after - before < 0.25) return waited - 1;
    if (waited >= maxSeconds) return undefined;
  }
}

/**
 * One benchmark at a time on this machine: two runs would measure each other. Takes a lock file
 * in the temporary directory, waiting while another live run holds it; a lock left by a run
 * that died is taken over. The cleanup releases it.
 */
export async function takeMachineLock(cleanup: Cleanup, log: (message: string) => void): Promise<void> {
  const file = join(tmpdir(), 'partner-attribution-bench.lock');
  let announced = false;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      cleanup.add('release the benchmark lock', () => rmSync(file, { force: true }));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    if (!announced) log(`another benchmark (pid ${holder}) is running; waiting for it to finish`);
    announced = true;
    await new Promise((resolveWait) => setTimeout(resolveWait, 5_000));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
