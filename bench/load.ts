import autocannon from 'autocannon';
import { cpuSecondsOf, machineBusySeconds, waitForQuietMachine } from './processes.js';

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  connections: number;
  pipelining?: number;
  /** Measured seconds, after `warmup` unmeasured ones. */
  duration: number;
  warmup: number;
  requests: autocannon.Request[];
  /** The server process, to report its CPU use. */
  serverPid: number;
  /** Seconds to wait at most for other jobs on the machine to finish before starting (0: do not wait). */
  quietWait: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  /** Latency of successful responses, milliseconds, exact (not autocannon's 1 ms buckets). */
  p50: number;
  p99: number;
  ok: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failed: number;
  statusCodes: Record<string, number>;
  /** Percent of one core used by the server and by this process (the load generator). */
  serverCpu: number | undefined;
  clientCpu: number;
  /** Percent of one core used by everything else on the machine (a database server, other jobs): noise if high. */
  otherCpu: number | undefined;
  seconds: number;
}

/** A warm-up, then a measured run of fixed duration. */
export async function measureLoad(spec: LoadSpec): Promise<LoadResult> {
  const options = {
    url: spec.url,
    headers: spec.headers,
    connections: spec.connections,
    pipelining: spec.pipelining ?? 1,
    timeout: 30,
    requests: spec.requests,
  };
  if (spec.quietWait > 0) {
    const waited = await waitForQuietMachine(spec.quietWait);
    if (waited === undefined) process.stderr.write(`[bench] the machine stayed busy for ${spec.quietWait} s: measuring anyway (see "other processes")\n`);
    else if (waited >= 2) process.stderr.write(`[bench] waited ${waited.toFixed(0)} s for the machine to be idle\n`);
  }
  if (spec.warmup > 0) await autocannon({ ...options, duration: spec.warmup });

  const latencies: number[] = [];
  const serverCpuBefore = cpuSecondsOf(spec.serverPid);
  const machineBefore = machineBusySeconds();
  const clientCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const instance = autocannon({ ...options, duration: spec.duration });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpuAfter = cpuSecondsOf(spec.serverPid);
  const machineAfter = machineBusySeconds();
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const percentOfCore = (cpuSeconds: number) => (cpuSeconds / seconds) * 100;
  const serverCpu =
    serverCpuBefore === undefined || serverCpuAfter === undefined ? undefined : percentOfCore(serverCpuAfter - serverCpuBefore);
  const clientCpuPercent = percentOfCore((clientCpu.user + clientCpu.system) / 1e6);

  const sorted = Float64Array.from(latencies).sort();
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  return {
    rps: result['2xx'] / result.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    statusCodes,
    serverCpu,
    clientCpu: clientCpuPercent,
    otherCpu:
      machineBefore === undefined || machineAfter === undefined || serverCpu === undefined
        ? undefined
        : Math.max(0, percentOfCore(machineAfter - machineBefore) - serverCpu - clientCpuPercent),
    seconds: result.duration,
  };
}

/** The p-th percentile of ascending `sorted` (nearest rank); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
