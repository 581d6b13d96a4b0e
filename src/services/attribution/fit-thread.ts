import { Worker } from 'node:worker_threads';
import type { FitCountsSnapshot } from '../../domain/attribution/index.js';

/**
 * Runs the fits' math (the Markov chain solve, seconds of CPU at 2,000 partners, and the Shapley
 * coalitions) on a worker thread, so the instance keeps answering requests while a refit solves.
 * One thread per process, started by a refit and ended after {@link IDLE_MS} without one (its heap
 * and the solve's memory go with it); it never keeps the process alive, and a thread that dies is
 * replaced on the next refit. The thread runs the same domain functions on the same
 * counts, so the fits are the same bytes as fitted inline.
 */

/** One fit as stored: its JSON body (the Markov fit packed, `packMarkovFit`) and the deal counts in its head. */
export interface FittedModel {
  json: string;
  wonDeals: number;
  lostDeals: number;
}

export interface FitJob {
  id: number;
  counts: FitCountsSnapshot;
  versions: { markov: number; shapley: number };
}

export type FitJobResult = { id: number; markov: FittedModel; shapley: FittedModel } | { id: number; error: string };

/** Refits come at most once per REFIT_INTERVAL (60 s); a burst of them (tests, a settings change) reuses the thread. */
const IDLE_MS = 10_000;

let thread: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let nextJob = 1;
const waiting = new Map<number, { resolve: (result: FitJobResult) => void; reject: (error: Error) => void }>();

function startThread(): Worker {
  // Built code runs the compiled worker; tests and `tsx` run the TypeScript source through tsx's loader.
  const source = import.meta.url.endsWith('.ts');
  const url = new URL(source ? './fit-thread-worker.ts' : './fit-thread-worker.js', import.meta.url);
  const worker = source
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`, { eval: true })
    : new Worker(url);
  worker.unref();
  worker.on('message', (result: FitJobResult) => {
    const job = waiting.get(result.id);
    waiting.delete(result.id);
    job?.resolve(result);
  });
  const fail = (error: Error) => {
    if (thread === worker) thread = undefined;
    for (const job of waiting.values()) job.reject(error);
    waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the fit thread exited (code ${code})`)));
  return worker;
}

/**
 * Fits markov and shapley from their counts, as the given versions, on the fit thread. The
 * snapshot's arrays are transferred: it is empty afterwards.
 *
 * @example
 * const { markov, shapley } = await fitOnThread(counts.snapshot(), { markov: 4, shapley: 4 });
 */
export async function fitOnThread(
  counts: FitCountsSnapshot,
  versions: FitJob['versions'],
): Promise<{ markov: FittedModel; shapley: FittedModel }> {
  clearTimeout(idleTimer);
  thread ??= startThread();
  const id = nextJob++;
  const worker = thread;
  const result = await new Promise<FitJobResult>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.ref(); // a pending fit keeps the process alive until it answers
    // The arrays move to the thread rather than being copied (the caller's snapshot is emptied).
    const arrays = [counts.transitions, counts.pathsPerPartner, counts.coalitionSizes, counts.coalitionMembers, counts.coalitionWon, counts.coalitionLost];
    worker.postMessage({ id, counts, versions } satisfies FitJob, arrays.map((array) => array.buffer as ArrayBuffer));
  }).finally(() => {
    if (waiting.size > 0) return;
    worker.unref();
    idleTimer = setTimeout(() => {
      if (thread === worker) thread = undefined;
      void worker.terminate();
    }, IDLE_MS).unref();
  });
  if ('error' in result) throw new Error(`fitting failed: ${result.error}`);
  return result;
}
