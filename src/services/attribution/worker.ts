import type { PendingWorkSignal } from '../context.js';
import { refitIfDue } from './fits.js';
import { DEALS_PER_DRAIN, drainPendingStep, type DrainContext } from './pending-work.js';

export interface WorkerLog {
  info(message: string): void;
  /** A database fault is expected operation, not a bug: its reason and code, never a stack. */
  warn(details: { reason: string; code: string | undefined }, message: string): void;
}

export interface WorkerTimings {
  /** How often an idle worker looks for work other instances (or a crash) left: ms. */
  idleMs: number;
  /** How long a woken worker lets writes gather before it takes them: ms. */
  coalesceMs: number;
  /** The longest pause between retries while the database fails: ms. */
  maxBackoffMs: number;
  /**
   * While requests are being served, the worker pauses this many times as long as its last
   * step took: it then uses at most 1 / (1 + yieldFactor) of the time, and writes keep most of
   * the machine. Readers never wait for that: they finish what they read themselves.
   */
  yieldFactor: number;
  /** The longest such pause: ms. */
  maxYieldMs: number;
  /**
   * The worker yields only while it has emptied the queue within this long: ms. Past it, the
   * backlog has outgrown the share yielding leaves, and the worker takes all it needs, so no
   * reader ever inherits more than a few seconds of writes.
   */
  maxLagMs: number;
  /**
   * The shortest time between two refits of the data-driven fits after data changed: ms. A new
   * lookback window, or no fit at all, refits at once.
   */
  refitIntervalMs: number;
}

const DEFAULT_TIMINGS: WorkerTimings = {
  idleMs: 1000,
  coalesceMs: 5,
  maxBackoffMs: 10_000,
  yieldFactor: 3,
  maxYieldMs: 500,
  maxLagMs: 5000,
  refitIntervalMs: 60_000,
};

/** Whether the instance is serving requests right now. */
export type BusySignal = () => boolean;

const reasonOf = (error: unknown) => ({
  reason: error instanceof Error ? error.message : String(error),
  code: (error as { code?: unknown } | null)?.code === undefined ? undefined : String((error as { code: unknown }).code),
});

export interface PropagationWorker extends PendingWorkSignal {
  start(): void;
  /** Finishes the step in progress, if any, and stops. */
  stop(): Promise<void>;
}

/**
 * The instance's background worker: refits the data-driven models when they are due, drains
 * the pending deals step by step while there are any, then sleeps until a write of this
 * instance wakes it or `idleMs` passes (work queued by other instances, or left by a crash). A failing step is logged once, retried with a
 * doubling pause, and the recovery is logged once too.
 */
export function createPropagationWorker(
  ctx: DrainContext,
  log: WorkerLog,
  busy: BusySignal = () => false,
  timings: Partial<WorkerTimings> = {},
): PropagationWorker {
  const { idleMs, coalesceMs, maxBackoffMs, yieldFactor, maxYieldMs, maxLagMs, refitIntervalMs } = { ...DEFAULT_TIMINGS, ...timings };
  let emptiedAt = performance.now();
  let running: Promise<void> | undefined;
  let stopped = false;
  let woken = false;
  let failures = 0;
  let interrupt: (() => void) | undefined;
  // Only an idle sleep ends early when a write arrives; a backoff or a yield runs its course.
  let idle = false;

  const pause = (ms: number, wakeable = false) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        idle = false;
        resolve();
      }
      interrupt = done;
      idle = wakeable;
    });

  async function loop(): Promise<void> {
    while (!stopped) {
      woken = false;
      let taken = 0;
      const started = performance.now();
      try {
        // A refit marks every data-driven result pending: the steps after it bring them up to date.
        if (await refitIfDue(ctx, refitIntervalMs)) taken = 1;
        else {
          taken = await drainPendingStep(ctx);
          if (taken < DEALS_PER_DRAIN) emptiedAt = performance.now();
        }
        if (failures > 0) log.info(`change propagation: the database answers again after ${failures} failed attempts; resuming`);
        failures = 0;
      } catch (error) {
        if (failures === 0) log.warn(reasonOf(error), 'change propagation: a step failed; retrying with backoff');
        failures++;
      }
      if (stopped) return;
      if (failures > 0) await pause(Math.min(maxBackoffMs, 100 * 2 ** (failures - 1)));
      else if (taken === 0 && !woken) await pause(idleMs, true);
      else if (taken === 0) await pause(coalesceMs);
      else if (busy() && performance.now() - emptiedAt < maxLagMs) {
        await pause(Math.min(maxYieldMs, yieldFactor * (performance.now() - started)));
      }
    }
  }

  return {
    start() {
      running ??= loop();
    },
    notify() {
      woken = true;
      if (idle && interrupt) {
        const wake = interrupt;
        interrupt = undefined;
        setTimeout(wake, coalesceMs);
      }
    },
    async stop() {
      stopped = true;
      interrupt?.();
      await running;
    },
  };
}
