import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { isCurrencyCode } from './domain/money.js';
import { ATTRIBUTION_MODELS } from './domain/attribution/index.js';

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "15m", "90s", "1h" or a bare number of milliseconds → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms') as keyof typeof DURATION_UNITS_MS;
  return Number(match[1]) * DURATION_UNITS_MS[unit];
}

/** "1mb", "512kb", "1048576" → bytes. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+)\s*(b|kb|mb|kib|mib)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024;
  return Number(match[1]) * factor;
}

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce
  .number({ message: 'expected a number' })
  .int('expected an integer')
  .min(0)
  .max(65535);

const positiveInt = z.coerce.number({ message: 'expected a number' }).int('expected an integer').positive();

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 15m, 30s, 1h or milliseconds' });
    return z.NEVER;
  }
  return ms;
});

const byteSize = z.string().transform((text, ctx) => {
  const bytes = parseByteSize(text);
  if (bytes === undefined || bytes <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as 1mb, 512kb or bytes' });
    return z.NEVER;
  }
  return bytes;
});

const postgresUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'expected postgres://user@host:port/database');

const redisUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'redis:' || url.protocol === 'rediss:';
  } catch {
    return false;
  }
}, 'expected redis://host:port');

const encryptionKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters (32 bytes)');

const environmentSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DB_PATH: z.string().min(1).default('./data/attribution.db'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  DATABASE_CONNECT_TIMEOUT: duration.default(5_000),
  DATABASE_QUERY_TIMEOUT: duration.default(15_000),
  DATABASE_START_TIMEOUT: duration.default(60_000),
  SHUTDOWN_TIMEOUT: duration.default(10_000),
  CORS_ORIGIN: z.string().min(1).default('*'),
  RATE_LIMIT_MAX: positiveInt.default(100),
  RATE_LIMIT_WINDOW: duration.default(15 * 60_000),
  REDIS_URL: redisUrl.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_CURRENCY: z
    .string()
    .refine(isCurrencyCode, 'expected an ISO 4217 currency code such as USD')
    .default('USD'),
  DEFAULT_MODEL: z.enum(ATTRIBUTION_MODELS).default('role-based'),
  TRUST_PROXY: booleanFlag.default(false),
  METRICS_PUBLIC: booleanFlag.default(false),
  BODY_LIMIT: byteSize.default(1024 * 1024),
  PAYOUT_ENCRYPTION_KEY: encryptionKey.optional(),
  PROPAGATION_WORKER: z.enum(['on', 'off'], { message: 'expected on or off' }).default('on').transform((value) => value === 'on'),
});

/** The configuration as the code reads it: the environment, parsed and renamed. */
const configSchema = environmentSchema.transform((e) => ({
  port: e.PORT,
  host: e.HOST,
  nodeEnv: e.NODE_ENV,
  dbPath: e.DB_PATH,
  databaseUrl: e.DATABASE_URL,
  /** PostgreSQL connections per instance. */
  databasePoolSize: e.DATABASE_POOL_SIZE,
  /** PostgreSQL: how long to wait for a new connection before the request fails (503). */
  databaseConnectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT,
  /** Longest a statement may run (PostgreSQL) or wait for the file lock (SQLite). */
  databaseQueryTimeoutMs: e.DATABASE_QUERY_TIMEOUT,
  /** How long start-up retries a database that does not answer before giving up. */
  databaseStartTimeoutMs: e.DATABASE_START_TIMEOUT,
  /** After SIGTERM, how long in-flight requests may take before the process exits 1 anyway. */
  shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
  corsOrigin: e.CORS_ORIGIN,
  rateLimitMax: e.RATE_LIMIT_MAX,
  rateLimitWindowMs: e.RATE_LIMIT_WINDOW,
  redisUrl: e.REDIS_URL,
  logLevel: e.LOG_LEVEL,
  defaultCurrency: e.DEFAULT_CURRENCY,
  defaultModel: e.DEFAULT_MODEL,
  trustProxy: e.TRUST_PROXY,
  metricsPublic: e.METRICS_PUBLIC,
  bodyLimit: e.BODY_LIMIT,
  payoutEncryptionKey: e.PAYOUT_ENCRYPTION_KEY,
  /** Whether this instance drains pending work in the background (readers always finish what they read). */
  propagationWorker: e.PROPAGATION_WORKER,
}));

export type Config = Readonly<z.output<typeof configSchema>>;

export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

/** Reads `.env` then `.env.local` from `directory`; later files and the real environment win. */
export function readEnvFiles(directory: string): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const name of ['.env', '.env.local']) {
    const file = resolve(directory, name);
    if (existsSync(file)) Object.assign(merged, parseDotenv(readFileSync(file)));
  }
  return merged;
}

/**
 * Parses the configuration once. Empty strings count as unset.
 * @throws ConfigError naming the first bad variable.
 * @example loadConfig({ PORT: '8080' }).port // 8080
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const shown = present[variable] === undefined ? '' : ` (got "${String(present[variable]).slice(0, 80)}")`;
    throw new ConfigError(variable, `is invalid: ${issue.message}${shown}`);
  }
  return Object.freeze(parsed.data);
}
