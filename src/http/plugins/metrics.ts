import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RouteAuth } from './auth.js';

/** The size and age of the attribution work not yet done; wired in once that work is queued. */
export type PendingWorkProvider = () => Promise<{ deals: number; oldestAgeSeconds: number }>;

export interface MetricsOptions {
  registry: Registry;
  /** Serve /metrics without a key (METRICS_PUBLIC); otherwise it needs an admin key. */
  public: boolean;
  pendingWork?: PendingWorkProvider | undefined;
}

/** Request latency buckets, in seconds: the API answers in milliseconds, analytics can take a second. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Requests that match no route share one label, so scanners cannot grow the series without bound. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Prometheus metrics at GET /metrics: requests by method, route template and status, their
 * latency, rate-limited requests, pending attribution work (when a provider is given) and the
 * process's default metrics. Database timings come from `withQueryTiming` (storage/query-timing.ts)
 * through `createQueryDurationObserver`, on the same registry.
 * Each app has its own registry, so several apps in one process (tests) never share counters.
 */
export const metricsPlugin = fp(
  async (app, options: MetricsOptions) => {
    const { registry } = options;
    collectDefaultMetrics({ register: registry });
    const labelNames = ['method', 'route', 'status_code'] as const;
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] });
    const latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response',
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    const rateLimited = new Counter({
      name: 'http_rate_limited_total',
      help: 'Requests refused with 429 because their key or IP was over the rate limit',
      labelNames: ['route'] as const,
      registers: [registry],
    });
    if (options.pendingWork) registerPendingWork(registry, options.pendingWork);

    app.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      };
      requests.inc(labels);
      latency.observe(labels, reply.elapsedTime / 1000);
      if (reply.statusCode === 429) rateLimited.inc({ route: labels.route });
      done();
    });

    const auth: RouteAuth = options.public ? 'public' : { scope: 'admin' };
    // Not rate limited: a scraper every 15 s would use most of the default budget on its own.
    app.get('/metrics', { config: { auth, rateLimit: false }, schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'metrics', dependencies: ['auth'] },
);

function registerPendingWork(registry: Registry, pendingWork: PendingWorkProvider): void {
  new Gauge({
    name: 'attribution_pending_deals',
    help: 'Deals whose attribution results wait to be recomputed',
    registers: [registry],
    async collect() {
      this.set((await pendingWork()).deals);
    },
  });
  new Gauge({
    name: 'attribution_pending_oldest_age_seconds',
    help: 'How long the oldest pending attribution work has waited (0 when none)',
    registers: [registry],
    async collect() {
      this.set((await pendingWork()).oldestAgeSeconds);
    },
  });
}

/**
 * A histogram of database query durations on `registry`, labelled by statement kind, and the
 * function that feeds it (give it to `withQueryTiming`).
 */
export function createQueryDurationObserver(registry: Registry): (kind: string, seconds: number) => void {
  const histogram = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Database query durations, by statement kind (select, insert, update, delete, raw)',
    labelNames: ['kind'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (kind, seconds) => histogram.observe({ kind }, seconds);
}
