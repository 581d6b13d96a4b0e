import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { solveAbsorbingChain } from '../../src/domain/attribution/absorbing-chain.js';
import { factorLU } from '../../src/domain/attribution/dense-lu.js';
import { DIAGONAL_BLOCK_COLUMNS, inverseDiagonal } from '../../src/domain/attribution/inverse-diagonal.js';
import { copiedUpperUnits } from '../../src/domain/attribution/upper-transpose.js';
import { FitCounts, fitMarkovCounts, fitShapleyCounts, packMarkovFit, packShapleyFit, SimdWorkspace, type PartnerPath } from '../../src/domain/attribution/index.js';
import { fitOnThreads } from '../../src/services/attribution/fit-thread.js';
import { fitPaths } from '../domain/attribution/arbitraries.js';

/**
 * A thread that runs `onOffer` (the source of a function of the offered `{ help, part }`, with the
 * domain's exports in scope as `domain` and the thread's `parentPort`) for each offer of a solve.
 * Resolves once it is listening.
 */
async function solveHelperThread(onOffer: string): Promise<Worker> {
  const domain = new URL('../../src/domain/attribution/index.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then(async ({ register }) => {
      register();
      const { parentPort } = await import('node:worker_threads');
      const domain = await import(${JSON.stringify(domain)});
      parentPort.on('message', ${onOffer});
      parentPort.postMessage('ready');
    })`,
    { eval: true },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  return worker;
}

const countsOf = (paths: readonly PartnerPath[]) => {
  const counts = new FitCounts();
  for (const path of paths) counts.addPath(path.partners, path.won);
  return counts;
};

describe('the fit thread', () => {
  it('stores exactly the bytes the fits give inline, for both models', async () => {
    await fc.assert(
      fc.asyncProperty(fitPaths, fc.integer({ min: 1, max: 1000 }), async (paths, version) => {
        const counts = countsOf(paths);
        const fitted = await fitOnThreads([counts.snapshot()], { markov: version, shapley: version + 1 });
        const markov = fitMarkovCounts(counts.markovCounts(), version);
        const shapley = fitShapleyCounts(counts.shapleyCounts(), version + 1);
        const { fit, ...stored } = fitted.markov;
        expect(stored).toEqual({ json: JSON.stringify(packMarkovFit(markov)), wonDeals: markov.wonDeals, lostDeals: markov.lostDeals });
        // The fit handed over for this instance's readers is what the stored JSON parses to (the table as a typed array).
        expect(fit?.transitionTable).toBeInstanceOf(Int32Array);
        expect({ ...fit, transitionTable: Array.from(fit?.transitionTable ?? []) }).toEqual(JSON.parse(stored.json));
        expect(fitted.shapley).toEqual({ json: JSON.stringify(packShapleyFit(shapley)), wonDeals: shapley.wonDeals, lostDeals: shapley.lostDeals });
      }),
      { numRuns: 40 },
    );
  });

  it('fits the same bytes from the counts of the deals split in two (as two threads count them) as from all of them', async () => {
    await fc.assert(
      fc.asyncProperty(fitPaths, fc.nat(), async (paths, cut) => {
        const at = paths.length === 0 ? 0 : cut % (paths.length + 1);
        const halves = [countsOf(paths.slice(0, at)).snapshot(), countsOf(paths.slice(at)).snapshot()];
        const fitted = await fitOnThreads(halves, { markov: 3, shapley: 3 });
        const all = countsOf(paths);
        expect(fitted.markov.json).toBe(JSON.stringify(packMarkovFit(fitMarkovCounts(all.markovCounts(), 3))));
        expect(fitted.shapley.json).toBe(JSON.stringify(packShapleyFit(fitShapleyCounts(all.shapleyCounts(), 3))));
      }),
      { numRuns: 40 },
    );
  });

  it('leaves the event loop free while it solves', async () => {
    // 400 partners, each path three at random: a dense chain. Fitted inline, no turn would pass before the answer.
    let state = 7;
    const random = (n: number) => ((state = (state * 48271) % 2147483647), state % n);
    const paths = Array.from({ length: 20_000 }, () => ({ partners: [`p${random(400)}`, `p${random(400)}`, `p${random(400)}`], won: random(5) > 0 }));
    let turns = 0;
    let running = true;
    const tick = () => {
      turns += 1;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const fitted = await fitOnThreads([countsOf(paths).snapshot()], { markov: 1, shapley: 1 });
    running = false;
    expect(JSON.parse(fitted.markov.json).partners).toHaveLength(400);
    expect(turns).toBeGreaterThan(1);
  });

  it('solves to the same bits when a helper thread takes part of the factorisation and of the diagonal on the shared memory', async () => {
    // A thread like the fit threads' other one: it helps with whatever part it is offered and says how much it took.
    const helper = await solveHelperThread(`({ help, part, watching }) => {
      const simd = domain.SimdWorkspace.attach(help);
      Atomics.store(watching, 0, 1);
      Atomics.notify(watching, 0);
      parentPort.postMessage((part === 'factors' ? domain.helpFactorLU : domain.helpInverseDiagonal)(simd));
    }`);
    try {
      let state = 5;
      const random = () => ((state = (state * 48271) % 2147483647), state / 2147483647);
      let [helped, unitsCopied] = [0, 0];
      for (const size of [700, 1001]) {
        const matrix = Array.from({ length: size }, (_, i) => Float64Array.from({ length: size }, (_, j) => (i === j ? 1 : random() < 0.2 ? -random() / (size * 0.25) : 0)));
        const workspace = () => {
          const simd = SimdWorkspace.create(size, DIAGONAL_BLOCK_COLUMNS) as SimdWorkspace;
          matrix.forEach((row, i) => (simd.rows[i] as Float64Array).set(row));
          return simd;
        };
        const alone = workspace();
        factorLU(alone.rows, alone);
        const expected = inverseDiagonal(alone.rows, alone);
        const shared = workspace();
        const taken: Promise<number>[] = [];
        const offer = (part: string) => (simd: SimdWorkspace) => {
          taken.push(new Promise((resolve) => helper.once('message', resolve)));
          // The solve goes on once the helper is attached, so the helper is there from the start (as it would be if idle).
          const watching = new Int32Array(new SharedArrayBuffer(4));
          helper.postMessage({ help: simd.share(), part, watching });
          Atomics.wait(watching, 0, 0, 10_000);
        };
        factorLU(shared.rows, shared, offer('factors'));
        helped += await (taken[0] as Promise<number>);
        // Copied by the helper while the solving thread factored panels (nothing else copies before the diagonal).
        unitsCopied += copiedUpperUnits(shared);
        const diagonal = inverseDiagonal(shared.rows, shared, offer('diagonal'));
        helped += await (taken[1] as Promise<number>);
        shared.rows.forEach((row, i) => expect(Buffer.compare(Buffer.from(row.slice().buffer), Buffer.from((alone.rows[i] as Float64Array).slice().buffer))).toBe(0));
        expect(Buffer.compare(Buffer.from(diagonal.buffer), Buffer.from(expected.buffer))).toBe(0);
      }
      // The helper did take part (else this test would compare the solving thread with itself).
      expect(helped).toBeGreaterThan(0);
      expect(unitsCopied).toBeGreaterThan(0);
    } finally {
      await helper.terminate();
    }
  });

  it('solves alone again, to the same bits, when a helper claims rows of the factorisation and stops', async () => {
    // The helper watches the claim word (counter 2: (panel + 1) · 2¹⁶ + next chunk) and takes a chunk of rows as soon
    // as one is offered, then does nothing more (or reports false if the factorisation ended
    // first: counter 4). The solving thread then waits for that chunk for 2 s, gives up and solves alone.
    const staller = await solveHelperThread(`({ help, part, watching }) => {
      if (part !== 'factors') return;
      const { counters } = domain.SimdWorkspace.attach(help);
      Atomics.store(watching, 0, 1);
      Atomics.notify(watching, 0);
      for (;;) {
        const word = Atomics.load(counters, 2);
        // Panels of 32 rows; a panel's chunks are 64 rows by 512 columns of the rows below it.
        const rowsBelow = help.size - Math.min(help.size, Math.floor(word / 65536) * 32);
        const chunks = Math.ceil(rowsBelow / 64) * Math.ceil(rowsBelow / 512);
        if (word > 0 && word % 65536 < chunks && Atomics.compareExchange(counters, 2, word, word + 1) === word) return parentPort.postMessage(true);
        if (Atomics.load(counters, 4) === 1) return parentPort.postMessage(false);
      }
    }`);
    try {
      const size = 600;
      let state = 9;
      const random = () => ((state = (state * 48271) % 2147483647), state / 2147483647);
      const transient = Array.from({ length: size }, (_, i) => Float64Array.from({ length: size }, (_, j) => (i !== j && random() < 0.3 ? random() / (size * 0.4) : 0)));
      const chain = { size, transient, toWon: Float64Array.from({ length: size }, () => random() * 0.3), start: Float64Array.from({ length: size }, () => 1 / size) };
      const alone = solveAbsorbingChain(chain);
      // The chain given as rows, and as a function writing I − Q into the solve's memory (called again for the restart).
      let writes = 0;
      const writeMatrix = (rows: Float64Array[]) =>
        rows.forEach((row, i) => {
          writes += 1;
          (transient[i] as Float64Array).forEach((q, j) => (row[j] = i === j ? 1 : -q));
        });
      const written = { size, toWon: chain.toWon, start: chain.start, writeMatrix };
      for (const given of [chain, written]) {
        let claimed: Promise<boolean> | undefined;
        const solution = solveAbsorbingChain(given, (help, part) => {
          if (part !== 'factors' || claimed) return;
          claimed = new Promise((resolve) => staller.once('message', resolve));
          // The solve waits until the staller watches the claim word, so it is there for the first panel.
          const watching = new Int32Array(new SharedArrayBuffer(4));
          staller.postMessage({ help, part, watching });
          Atomics.wait(watching, 0, 0, 10_000);
        });
        expect(await claimed).toBe(true);
        expect(solution).toEqual(alone);
        expect(Buffer.compare(Buffer.from(solution.selfVisits.buffer), Buffer.from(alone.selfVisits.buffer))).toBe(0);
      }
      expect(writes).toBe(2 * size);
    } finally {
      await staller.terminate();
    }
  });

  it('gives a job sent right after a thread was ended for idling to its replacement, not to the ending thread', async () => {
    const counts = () => [countsOf([{ partners: ['a', 'b'], won: true }, { partners: ['b'], won: false }]).snapshot()];
    // Only setTimeout is faked: the idle timer that ends the threads, not the threads' messages.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const expected = await fitOnThreads(counts(), { markov: 1, shapley: 1 });
      vi.advanceTimersByTime(60_000); // both threads are told to end, and exit (code 1) a moment later
      const again = fitOnThreads(counts(), { markov: 1, shapley: 1 });
      vi.useRealTimers();
      expect(await again).toEqual(expected);
    } finally {
      vi.useRealTimers();
    }
  });
});
