import type { PendingWorkSignal } from '../context.js';
import { drainPendingStep, type DrainContext } from './pending-work.js';

export interface WorkerLog {
  info(message: string): void;
  error(details: { err: unknown }, message: string): void;
}

export interface WorkerTimings {
  /** How often an idle worker looks for work other instances (or a crash) left: ms. */
  idleMs: number;
  /** How long a woken worker lets writes gather before it takes them: ms. */
  coalesceMs: number;
  /** The longest pause between retries while the database fails: ms. */
  maxBackoffMs: number;
}

const DEFAULT_TIMINGS: WorkerTimings = { idleMs: 1000, coalesceMs: 5, maxBackoffMs: 10_000 };

export interface PropagationWorker extends PendingWorkSignal {
  start(): void;
  /** Finishes the step in progress, if any, and stops. */
  stop(): Promise<void>;
}

/**
 * The instance's background worker: drains the pending deals step by step while there are
 * any, then sleeps until a write of this instance wakes it or `idleMs` passes (work queued by
 * other instances, or left by a crash). A failing step is logged once, retried with a
 * doubling pause, and the recovery is logged once too.
 */
export function createPropagationWorker(ctx: DrainContext, log: WorkerLog, timings: Partial<WorkerTimings> = {}): PropagationWorker {
  const { idleMs, coalesceMs, maxBackoffMs } = { ...DEFAULT_TIMINGS, ...timings };
  let running: Promise<void> | undefined;
  let stopped = false;
  let woken = false;
  let failures = 0;
  let interrupt: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      }
      interrupt = done;
    });

  async function loop(): Promise<void> {
    while (!stopped) {
      woken = false;
      let taken = 0;
      try {
        taken = await drainPendingStep(ctx);
        if (failures > 0) log.info(`change propagation: the database answers again after ${failures} failed attempts; resuming`);
        failures = 0;
      } catch (error) {
        if (failures === 0) log.error({ err: error }, 'change propagation: a step failed; retrying with backoff');
        failures++;
      }
      if (stopped) return;
      if (failures > 0) await pause(Math.min(maxBackoffMs, 100 * 2 ** (failures - 1)));
      else if (taken === 0 && !woken) await pause(idleMs);
      else if (taken === 0) await pause(coalesceMs);
    }
  }

  return {
    start() {
      running ??= loop();
    },
    notify() {
      woken = true;
      // Only an idle sleep is cut short; a backoff stays a backoff.
      if (failures === 0 && interrupt) {
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
