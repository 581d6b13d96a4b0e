import { parentPort } from 'node:worker_threads';
import { fitMarkovCounts, fitShapleyCounts, markovCountsOf, packMarkovFit, shapleyCountsOf } from '../../domain/attribution/index.js';
import type { FitJob, FitJobResult } from './fit-thread.js';

// The fits' pure math, on a worker thread (see fit-thread.ts): counts in, stored JSON out.
parentPort?.on('message', ({ id, counts, versions }: FitJob) => {
  try {
    const markovFit = fitMarkovCounts(markovCountsOf(counts), versions.markov);
    const shapleyFit = fitShapleyCounts(shapleyCountsOf(counts), versions.shapley);
    const result: FitJobResult = {
      id,
      markov: { json: JSON.stringify(packMarkovFit(markovFit)), wonDeals: markovFit.wonDeals, lostDeals: markovFit.lostDeals },
      shapley: { json: JSON.stringify(shapleyFit), wonDeals: shapleyFit.wonDeals, lostDeals: shapleyFit.lostDeals },
    };
    parentPort?.postMessage(result);
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
