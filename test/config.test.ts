import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseByteSize, parseDuration } from '../src/config.js';
import { loadConfigFrom } from '../src/bootstrap.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      dbPath: './data/attribution.db',
      databaseUrl: undefined,
      corsOrigin: '*',
      rateLimitMax: 100,
      rateLimitWindowMs: 15 * 60_000,
      logLevel: 'info',
      defaultCurrency: 'USD',
      defaultModel: 'role-based',
      trustProxy: false,
      metricsPublic: false,
      bodyLimit: 1024 * 1024,
      databaseConnectTimeoutMs: 5_000,
      databaseQueryTimeoutMs: 15_000,
      databaseStartTimeoutMs: 60_000,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('parses every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      RATE_LIMIT_WINDOW: '90s',
      BODY_LIMIT: '512kb',
      DATABASE_URL: 'postgres://u@db.internal:5432/attribution',
      REDIS_URL: 'redis://cache:6379',
      TRUST_PROXY: 'true',
      DEFAULT_CURRENCY: 'JPY',
      DEFAULT_MODEL: 'linear',
      DATABASE_CONNECT_TIMEOUT: '2s',
      DATABASE_QUERY_TIMEOUT: '1m',
      DATABASE_START_TIMEOUT: '5m',
      SHUTDOWN_TIMEOUT: '1500',
    });
    expect(config).toMatchObject({ port: 8080, rateLimitWindowMs: 90_000, bodyLimit: 512 * 1024, trustProxy: true, defaultCurrency: 'JPY', defaultModel: 'linear' });
    expect(config).toMatchObject({ databaseConnectTimeoutMs: 2_000, databaseQueryTimeoutMs: 60_000, databaseStartTimeoutMs: 300_000, shutdownTimeoutMs: 1_500 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DEFAULT_MODEL', 'magic'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://host/db'],
    ['REDIS_URL', 'http://cache'],
    ['RATE_LIMIT_MAX', '-1'],
    ['RATE_LIMIT_WINDOW', 'fortnight'],
    ['DEFAULT_CURRENCY', 'DOLLARS'],
    ['LOG_LEVEL', 'loud'],
    ['TRUST_PROXY', 'maybe'],
    ['BODY_LIMIT', 'huge'],
    ['PAYOUT_ENCRYPTION_KEY', 'short'],
    ['DATABASE_QUERY_TIMEOUT', 'forever'],
    ['DATABASE_CONNECT_TIMEOUT', '0'],
    ['DATABASE_START_TIMEOUT', '-5s'],
    ['SHUTDOWN_TIMEOUT', 'soon'],
  ])('names %s when it is %j', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as Error).message).toContain(variable);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it('reads .env then .env.local, and the environment wins', () => {
    const directory = mkdtempSync(join(tmpdir(), 'attribution-config-'));
    try {
      writeFileSync(join(directory, '.env'), 'PORT=4000\nRATE_LIMIT_MAX=7\nLOG_LEVEL=debug\n');
      writeFileSync(join(directory, '.env.local'), 'PORT=5000\n');
      expect(loadConfigFrom(directory, { LOG_LEVEL: 'warn' })).toMatchObject({ port: 5000, rateLimitMax: 7, logLevel: 'warn' });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('units', () => {
  it.each([
    ['15m', 900_000],
    ['30s', 30_000],
    ['1h', 3_600_000],
    ['250', 250],
    ['2d', 172_800_000],
  ])('duration %s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    ['1mb', 1_048_576],
    ['512KB', 524_288],
    ['100', 100],
  ])('size %s = %d bytes', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));
});
