import Fastify, { type FastifyServerOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { Config } from './config.js';
import { clientErrorHandler, frameworkErrors } from './http/framework-errors.js';
import { authPlugin } from './http/plugins/auth.js';
import { databaseHealthPlugin } from './http/plugins/database-health.js';
import { drainPlugin } from './http/plugins/drain.js';
import { errorsPlugin } from './http/plugins/errors.js';
import { inputGuardPlugin } from './http/plugins/input-guard.js';
import { createQueryDurationObserver, metricsPlugin, type PendingWorkProvider } from './http/plugins/metrics.js';
import { notFoundPlugin } from './http/plugins/not-found.js';
import { openApiPlugin } from './http/plugins/openapi.js';
import { rateLimitPlugin } from './http/plugins/rate-limit.js';
import { securityPlugin } from './http/plugins/security.js';
import { lazyRequestLogger, REDACTED_LOG_PATHS, requestIdOf, serializeRequest } from './http/request-logging.js';
import { createResponseSerializer } from './http/response-serializer.js';
import { analyticsRoutes } from './http/routes/analytics.js';
import { apiKeyRoutes } from './http/routes/api-keys.js';
import { attributionExplainRoutes } from './http/routes/attribution-explain.js';
import { attributionModelRoutes } from './http/routes/attribution-models.js';
import { auditLogRoutes } from './http/routes/audit-log.js';
import { attributionRoutes } from './http/routes/attribution.js';
import { dashboardRoutes } from './http/routes/dashboard.js';
import { dealRoutes } from './http/routes/deals.js';
import { eventRoutes } from './http/routes/events.js';
import { exportRoutes } from './http/routes/exports.js';
import { healthRoutes } from './http/routes/health.js';
import { partnerRoutes } from './http/routes/partners.js';
import { payoutPeriodRoutes } from './http/routes/payout-periods.js';
import { payoutStatementRoutes } from './http/routes/payout-statements.js';
import { settingsRoutes } from './http/routes/settings.js';
import { createPayoutCipher } from './security/payout-cipher.js';
import { FitCache } from './services/attribution/fit-cache.js';
import { readPendingWork } from './services/attribution/pending-work.js';
import { createPropagationWorker } from './services/attribution/worker.js';
import type { ServiceContext } from './services/context.js';
import type { Db } from './storage/db.js';
import { withQueryTiming } from './storage/query-timing.js';
import { VERSION } from './version.js';

export interface AppDependencies {
  config: Config;
  db: Db;
  /** Shared rate-limit counters; in-memory when absent. */
  redis?: Redis | undefined;
  /** Where JSON log lines go (tests capture them); standard output when absent. */
  logStream?: NodeJS.WritableStream | undefined;
  now?: () => number;
  /** The built dashboard (dist/dashboard by default). */
  dashboardDir?: string | undefined;
  /** The size and age of the attribution backlog, for /metrics; `readPendingWork` on `db` when absent. */
  pendingWork?: PendingWorkProvider | undefined;
}

// Ids are at most 128 characters, 384 when a client percent-encodes every one; longer is a 414.
const MAX_PATH_PARAMETER_LENGTH = 512;

/**
 * Builds the whole service without listening, so tests drive the same app with `inject`.
 * The order below is the order requests meet things.
 */
export async function buildApp({ config, db: rawDb, redis, logStream, now = Date.now, pendingWork, dashboardDir }: AppDependencies) {
  if (!config.payoutEncryptionKey) throw new Error('PAYOUT_ENCRYPTION_KEY is required to build the app');
  const logger: FastifyServerOptions['logger'] = {
    level: config.logLevel,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
    ...(logStream ? { stream: logStream } : {}),
  };
  const app = Fastify({
    logger,
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: requestIdOf,
    forceCloseConnections: 'idle',
    // The drain plugin answers in our problem+json shape instead.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    frameworkErrors,
    clientErrorHandler,
    // Kept as plain own properties, so the input guard can refuse them by name instead of
    // the parser answering "not valid JSON".
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(createResponseSerializer(config.nodeEnv !== 'production'));
  // JSON only: a text/plain body must be a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });

  const metrics = new Registry();
  const db = withQueryTiming(rawDb, createQueryDurationObserver(metrics));
  const fits = new FitCache();
  const worker = createPropagationWorker(
    { db, now, defaultModel: config.defaultModel, fits },
    { info: (message) => app.log.info(message), warn: (details, message) => app.log.warn(details, message) },
    // Requests being served (the drain plugin counts them): the worker gives them most of the machine.
    () => app.hasRequestsInFlight(),
    { refitIntervalMs: config.refitIntervalMs },
  );
  // Pending work left by a crash (or by another instance) is taken up as soon as the app is ready.
  app.addHook('onReady', async () => {
    if (config.propagationWorker) worker.start();
  });
  app.addHook('onClose', async () => {
    await worker.stop();
    await rawDb.destroy();
  });

  const ctx: ServiceContext = {
    db,
    payoutCipher: createPayoutCipher(config.payoutEncryptionKey),
    defaultCurrency: config.defaultCurrency,
    defaultModel: config.defaultModel,
    now,
    pendingWork: worker,
    fits,
  };

  await app.register(errorsPlugin);
  await app.register(drainPlugin);
  await app.register(databaseHealthPlugin, { db });
  await app.register(securityPlugin, { corsOrigin: config.corsOrigin });
  await app.register(rateLimitPlugin, { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs, redis });
  await app.register(authPlugin, { db });
  await app.register(notFoundPlugin);
  await app.register(inputGuardPlugin);
  await app.register(openApiPlugin, { version: VERSION });
  await app.register(metricsPlugin, {
    registry: metrics,
    public: config.metricsPublic,
    pendingWork: pendingWork ?? (() => readPendingWork(rawDb)),
  });

  await app.register(healthRoutes, { db, version: VERSION });
  await app.register(partnerRoutes, { ctx });
  await app.register(eventRoutes, { ctx });
  await app.register(dealRoutes, { ctx });
  await app.register(apiKeyRoutes, { ctx });
  await app.register(attributionRoutes, { ctx });
  await app.register(attributionExplainRoutes, { ctx });
  await app.register(attributionModelRoutes, { ctx });
  await app.register(settingsRoutes, { ctx });
  await app.register(analyticsRoutes, { ctx });
  await app.register(exportRoutes, { ctx });
  await app.register(payoutPeriodRoutes, { ctx });
  await app.register(payoutStatementRoutes, { ctx });
  await app.register(auditLogRoutes, { ctx });
  await app.register(dashboardRoutes, { directory: dashboardDir });

  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
