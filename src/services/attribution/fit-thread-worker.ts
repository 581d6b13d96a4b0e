import { parentPort } from 'node:worker_threads';
// The domain's modules by name, not through its index: a thread starts on every refit that finds
// none running, and the index's other modules cost it about 20 ms of loading.
import { helpFactorLU } from '../../domain/attribution/dense-lu.js';
import { helpInverseDiagonal } from '../../domain/attribution/inverse-diagonal.js';
import { fitPackedMarkov } from '../../domain/attribution/markov-packed.js';
import { fitPackedShapley } from '../../domain/attribution/shapley-snapshots.js';
import { SimdWorkspace, type SharedPart, type SharedSimdWorkspace } from '../../domain/attribution/simd-workspace.js';
import { readCompiledFitPages } from '../../storage/fit-input-pages.js';
import { countFitInputPages } from './fit-input-counts.js';
import type { FitThreadAnswer, FitThreadJob, FitThreadHelp, FitThreadRequest, FitThreadResult } from './fit-thread.js';

// pg tells whether it runs on Cloudflare by `navigator.userAgent`, and where there is no
// `navigator` (Node 20; Node 21 and later have one) by constructing a fetch `Response`, which
// loads fetch's internals: about 35 ms of each PostgreSQL counting thread's start. Node 21's own
// value, given to this thread only.
if (!('navigator' in globalThis)) {
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` }, configurable: true });
}
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

async function perform(job: FitThreadJob): Promise<{ answer: FitThreadResult; transfer: ArrayBuffer[] }> {
  if (job.kind === 'count') {
    const counts = await countFitInputPages(readCompiledFitPages(job.database, job.read));
    const arrays = [counts.transitions, counts.pathsPerPartner, counts.coalitionSizes, counts.coalitionMembers, counts.coalitionWon, counts.coalitionLost];
    return { answer: { counts }, transfer: arrays.map((array) => array.buffer as ArrayBuffer) };
  }
  if (job.kind === 'markov') {
    // The solve can use the other thread, idle once its Shapley fit is done: offered through the main thread.
    const shareWork = (work: SharedSimdWorkspace, part: SharedPart) => parentPort?.postMessage({ help: work, part } satisfies FitThreadHelp);
    const workspace = job.workspace && SimdWorkspace.attach(job.workspace);
    const fit = fitPackedMarkov(job.counts, job.version, shareWork, workspace);
    const json = JSON.stringify(fit);
    const { transitionTable, ...summary } = fit;
    const table = int32Copy(transitionTable);
    const fitted = { json, wonDeals: fit.wonDeals, lostDeals: fit.lostDeals };
    if (table === undefined) return { answer: { fitted }, transfer: [] };
    return { answer: { fitted, markov: { summaryJson: JSON.stringify(summary), transitionTable: table } }, transfer: [table.buffer] };
  }
  const fit = fitPackedShapley(job.counts, job.version);
  return { answer: { fitted: { json: JSON.stringify(fit), wonDeals: fit.wonDeals, lostDeals: fit.lostDeals } }, transfer: [] };
}

/** The values as 32-bit integers (half the memory of doubles, and so half the first-touch page faults), or undefined when one is not. */
function int32Copy(values: readonly number[] | Int32Array): Int32Array<ArrayBuffer> | undefined {
  const copy = Int32Array.from(values);
  for (let i = 0; i < copy.length; i += 1) if (copy[i] !== values[i]) return undefined;
  return copy;
}
