import { Worker } from 'node:worker_threads';
import { chainWorkspace, snapshotPartnerIds, type FitCountsSnapshot, type PackedMarkovFit, type SharedPart, type SharedSimdWorkspace } from '../../domain/attribution/index.js';
import type { DatabaseOptions } from '../../storage/drivers.js';
import type { CompiledFitRead } from '../../storage/fit-input-pages.js';

/**
 * Runs a refit's heavy work on two worker threads, so the instance keeps answering requests
 * while it runs and a refit uses both cores of a small machine: counting the stored deals (each
 * thread reads half of them through a connection of its own), then the Markov chain
 * solve (seconds of CPU at 2,000 partners) on one thread while the Shapley coalitions are sorted
 * on the other, which then takes part of the solve (chunks of rows of the factorisation's
 * trailing updates and blocks of the inverse's diagonal, claimed from counters in the solve's
 * shared memory, see dense-lu.ts and inverse-diagonal.ts). Each thread is started by a refit and ended after {@link IDLE_MS} without one
 * (its heap and the solve's memory go with it); it never keeps the process alive, and a thread
 * that dies is replaced on the next refit. The threads run the same domain functions on the same
 * counts (counts are integer sums, the same however the deals are split), so the fits are the
 * same bytes as fitted inline.
 */

/** One fit as stored: its JSON body (packed: `fitPackedMarkov`, `fitPackedShapley`) and the deal counts in its head. */
export interface FittedModel {
  json: string;
  wonDeals: number;
  lostDeals: number;
  /**
   * Markov: the fit as `json` parses, for this instance's readers. Parsing the JSON again (3 MB at
   * 2,000 partners, mostly the transition table) cost the refit's first reader about 60–100 ms.
   */
  fit?: PackedMarkovFit | undefined;
}

/** How the thread sends a markov fit beside its JSON: the JSON of all but the table, and the table, moved (not copied) as a typed array. */
export interface MarkovHandover {
  summaryJson: string;
  transitionTable: Int32Array;
}

export type FitThreadJob =
  | { kind: 'count'; database: ThreadDatabase; read: CompiledFitRead }
  | { kind: 'markov'; counts: FitCountsSnapshot[]; version: number; workspace?: SharedSimdWorkspace | undefined }
  | { kind: 'shapley'; counts: FitCountsSnapshot[]; version: number };

/** The database a counting thread opens a connection of its own to (a SQLite file, or PostgreSQL's URL and schema). */
export type ThreadDatabase = Pick<DatabaseOptions, 'dbPath' | 'databaseUrl' | 'postgresSchema'>;

/** What a job gives back: counts, or a fit (with a markov fit's {@link MarkovHandover}). */
export type FitThreadResult = { counts: FitCountsSnapshot } | { fitted: Omit<FittedModel, 'fit'>; markov?: MarkovHandover };

export type FitThreadAnswer = { id: number } & (FitThreadResult | { error: string });

/** A thread's solve, offered to the other thread (which takes part of it if it is idle before the solve ends). */
export interface FitThreadHelp {
  help: SharedSimdWorkspace;
  part: SharedPart;
}

export type FitThreadRequest = { id: number; job: FitThreadJob } | FitThreadHelp;

/** Refits come at most once per REFIT_INTERVAL (60 s); a burst of them (tests, a settings change) reuses the threads. */
const IDLE_MS = 10_000;

let nextJob = 1;

class FitThread {
  private worker: Worker | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** The jobs sent and not answered yet, each with the worker it was sent to. */
  private readonly waiting = new Map<number, { worker: Worker; resolve: (answer: FitThreadAnswer) => void; reject: (error: Error) => void }>();
  /** Where this thread's offers of help go (the other thread). */
  helper: FitThread | undefined;

  /** Passes an offer of help on to this thread if it is running (a thread that is not has no job to finish first, and is not started for it). */
  offer(help: FitThreadHelp): void {
    this.worker?.postMessage(help satisfies FitThreadRequest);
  }

  /** Starts the thread if it is not running, to be ready for a job soon (ended like an idle one if none comes). */
  prepare(): void {
    if (this.worker !== undefined) return;
    const worker = (this.worker = this.start());
    this.endWhenIdle(worker);
  }

  async run(job: FitThreadJob, transfer: readonly ArrayBufferView[]): Promise<FitThreadAnswer> {
    clearTimeout(this.idleTimer);
    this.worker ??= this.start();
    const worker = this.worker;
    const id = nextJob++;
    const answer = await new Promise<FitThreadAnswer>((resolve, reject) => {
      this.waiting.set(id, { worker, resolve, reject });
      worker.ref(); // a pending job keeps the process alive until it answers
      // Typed arrays move to the thread rather than being copied (the caller's are emptied).
      worker.postMessage({ id, job } satisfies FitThreadRequest, transfer.map((array) => array.buffer as ArrayBuffer));
    }).finally(() => {
      if (this.waiting.size > 0) return;
      worker.unref();
      this.endWhenIdle(worker);
    });
    if ('error' in answer) throw new Error(`fitting failed: ${answer.error}`);
    return answer;
  }

  private endWhenIdle(worker: Worker): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.worker === worker) this.worker = undefined;
      void worker.terminate();
    }, IDLE_MS).unref();
  }

  private start(): Worker {
    // Built code runs the compiled worker; tests and `tsx` run the TypeScript source through tsx's loader.
    const source = import.meta.url.endsWith('.ts');
    const url = new URL(source ? './fit-thread-worker.ts' : './fit-thread-worker.js', import.meta.url);
    const worker = source
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`, { eval: true })
      : new Worker(url);
    worker.unref();
    worker.on('message', (answer: FitThreadAnswer | FitThreadHelp) => {
      if ('help' in answer) return this.helper?.offer(answer);
      const job = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      job?.resolve(answer);
    });
    // Only this worker's jobs fail: one ended for idling exits (code 1) after its replacement may have taken new jobs.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, job] of this.waiting) {
        if (job.worker !== worker) continue;
        this.waiting.delete(id);
        job.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the fit thread exited (code ${code})`)));
    return worker;
  }
}

const threads = [new FitThread(), new FitThread()] as const;
threads[0].helper = threads[1];

/**
 * Starts the fit threads that are not running: a refit calls this first, so the threads load
 * (about 0.1 s each) while it reads what it needs to give them their first job.
 */
export function prepareFitThreads(): void {
  for (const thread of threads) thread.prepare();
}

/**
 * Counts the deals each compiled read (at most two) returns on a thread of its own, reading the
 * database through a connection of the thread's own.
 *
 * @example
 * const [first, second] = await countOnThreads({ dbPath: 'data/app.db' }, [compileFitInputPages(db, windowMs, { through: middle }), compileFitInputPages(db, windowMs, { after: middle })]);
 */
export async function countOnThreads(database: ThreadDatabase, reads: readonly CompiledFitRead[]): Promise<FitCountsSnapshot[]> {
  return Promise.all(
    reads.map(async (read, t) => {
      const answer = await (threads[t] as FitThread).run({ kind: 'count', database, read }, []);
      return (answer as { counts: FitCountsSnapshot }).counts;
    }),
  );
}

/**
 * Fits markov and shapley from the counts (of disjoint sets of deals), as the given versions,
 * markov on one thread and shapley on the other at once. The snapshots' arrays are transferred:
 * they are empty afterwards.
 *
 * @example
 * const { markov, shapley } = await fitOnThreads([counts.snapshot()], { markov: 4, shapley: 4 });
 */
export async function fitOnThreads(
  counts: readonly FitCountsSnapshot[],
  versions: { markov: number; shapley: number },
): Promise<{ markov: FittedModel; shapley: FittedModel }> {
  // Each model gets only the arrays it reads.
  const markovParts = counts.map((part) => ({ ...part, coalitionSizes: new Uint32Array(0), coalitionMembers: new Uint32Array(0), coalitionWon: new Float64Array(0), coalitionLost: new Float64Array(0) }));
  const shapleyParts = counts.map((part) => ({ ...part, transitions: new Float64Array(0), pathsPerPartner: new Float64Array(0) }));
  // The Markov solve's memory, its pages mapped here while both threads wait: mapped by the
  // Markov thread's first writes instead, beside the Shapley thread's allocations, they cost it
  // 100–165 ms more (docs/benchmark.md, stop 33).
  const states = snapshotPartnerIds(counts).length;
  const workspace = states > 0 ? chainWorkspace(states) : undefined;
  workspace?.touchMatrixPages();
  const [markov, shapley] = await Promise.all([
    threads[0].run(
      { kind: 'markov', counts: markovParts, version: versions.markov, workspace: workspace?.share() },
      markovParts.flatMap((part) => [part.transitions, part.pathsPerPartner]),
    ),
    threads[1].run(
      { kind: 'shapley', counts: shapleyParts, version: versions.shapley },
      shapleyParts.flatMap((part) => [part.coalitionSizes, part.coalitionMembers, part.coalitionWon, part.coalitionLost]),
    ),
  ]);
  const { fitted, markov: handover } = markov as { fitted: FittedModel; markov?: MarkovHandover };
  // The same values as parsing the stored JSON: the summary is that JSON's, the table's counts and codes are integers.
  const fit = handover && { ...(JSON.parse(handover.summaryJson) as Omit<PackedMarkovFit, 'transitionTable'>), transitionTable: handover.transitionTable };
  return { markov: { ...fitted, fit }, shapley: (shapley as { fitted: FittedModel }).fitted };
}
