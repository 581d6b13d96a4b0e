import { parentPort } from 'node:worker_threads';
import {
  fitPackedMarkov,
  fitPackedShapley,
  helpFactorLU,
  helpInverseDiagonal,
  SimdWorkspace,
  type FitCountsSnapshot,
  type SharedPart,
  type SharedSimdWorkspace,
} from '../../domain/attribution/index.js';
import { readCompiledFitPages } from '../../storage/fit-input-pages.js';
import { countFitInputPages } from './fit-input-counts.js';
import type { FitThreadAnswer, FitThreadJob, FittedModel, FitThreadHelp, FitThreadRequest } from './fit-thread.js';
// A refit's heavy work on a worker thread (see fit-thread.ts): counting deals, fitting a model from
// counts, or helping the other thread with the Markov solve it shared (a message without an id).
parentPort?.on('message', (request: FitThreadRequest) => {
  if ('help' in request) {
    const workspace = SimdWorkspace.attach(request.help);
    if (workspace !== undefined) (request.part === 'factors' ? helpFactorLU : helpInverseDiagonal)(workspace);
    return;
  }
  const { id, job } = request;
  void perform(job).then(
    ({ answer, transfer }) => parentPort?.postMessage({ id, ...answer } as FitThreadAnswer, transfer),
    (error: unknown) => parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies FitThreadAnswer),
  );
});

async function perform(job: FitThreadJob): Promise<{ answer: { counts: FitCountsSnapshot } | { fitted: FittedModel }; transfer: ArrayBuffer[] }> {
  if (job.kind === 'count') {
    const counts = await countFitInputPages(readCompiledFitPages(job.database, job.pages));
    const arrays = [counts.transitions, counts.pathsPerPartner, counts.coalitionSizes, counts.coalitionMembers, counts.coalitionWon, counts.coalitionLost];
    return { answer: { counts }, transfer: arrays.map((array) => array.buffer as ArrayBuffer) };
  }
  if (job.kind === 'markov') {
    // The solve can use the other thread, idle once its Shapley fit is done: offered through the main thread.
    const shareWork = (work: SharedSimdWorkspace, part: SharedPart) => parentPort?.postMessage({ help: work, part } satisfies FitThreadHelp);
    const fit = fitPackedMarkov(job.counts, job.version, shareWork);
    return { answer: { fitted: { json: JSON.stringify(fit), wonDeals: fit.wonDeals, lostDeals: fit.lostDeals } }, transfer: [] };
  }
  const fit = fitPackedShapley(job.counts, job.version);
  return { answer: { fitted: { json: JSON.stringify(fit), wonDeals: fit.wonDeals, lostDeals: fit.lostDeals } }, transfer: [] };
}
