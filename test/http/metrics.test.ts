import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const scrape = async (app: TestApp = t) => {
  const res = await app.api.get('/metrics');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(res.body);
};

describe('GET /metrics', () => {
  it('needs an admin key', async () => {
    expect((await t.as(undefined).get('/metrics')).statusCode).toBe(401);
    expect((await t.as('sk_wrong').get('/metrics')).statusCode).toBe(401);
    expect((await t.as(await t.createKey(['write'])).get('/metrics')).statusCode).toBe(403);
    expect((await t.api.get('/metrics')).statusCode).toBe(200);
  });

  it('counts requests by method, route template and status, never by raw URL', async () => {
    const before = await scrape();
    const labels = { method: 'GET', route: '/partners/:id', status_code: '404' };
    const countBefore = sampleValue(before, 'http_requests_total', labels) ?? 0;
    await t.api.get('/partners/secret-partner-a');
    await t.api.get('/partners/secret-partner-b');
    await t.api.get('/no/such/path/secret-c');
    const after = await scrape();
    expect(sampleValue(after, 'http_requests_total', labels)).toBe(countBefore + 2);
    expect(sampleValue(after, 'http_request_duration_seconds_count', labels)).toBe(countBefore + 2);
    expect(sampleValue(after, 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(countBefore + 2);
    expect(sampleValue(after, 'http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    const labelValues = after.flatMap((sample) => Object.values(sample.labels));
    expect(labelValues.filter((value) => value.includes('secret'))).toEqual([]);
  });

  it('times database queries by statement kind', async () => {
    const selectsBefore = sampleValue(await scrape(), 'db_query_duration_seconds_count', { kind: 'select' }) ?? 0;
    const insertsBefore = sampleValue(await scrape(), 'db_query_duration_seconds_count', { kind: 'insert' }) ?? 0;
    expect((await t.api.post('/partners', { name: 'Timed', email: `timed-${Date.now()}@example.com` })).statusCode).toBe(201);
    const after = await scrape();
    expect(sampleValue(after, 'db_query_duration_seconds_count', { kind: 'select' })).toBeGreaterThan(selectsBefore);
    expect(sampleValue(after, 'db_query_duration_seconds_count', { kind: 'insert' })).toBeGreaterThan(insertsBefore);
    expect(sampleValue(after, 'db_query_duration_seconds_sum', { kind: 'insert' })).toBeGreaterThan(0);
  });

  it('reports the default process metrics', async () => {
    const samples = await scrape();
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('has no pending-work gauges until a provider is wired', async () => {
    const samples = await scrape();
    expect(samples.some((sample) => sample.name.startsWith('attribution_pending'))).toBe(false);
  });
});

describe('GET /metrics with options', () => {
  it('is public with METRICS_PUBLIC=true', async () => {
    const open = await startTestApp({ METRICS_PUBLIC: 'true' });
    try {
      const res = await open.as(undefined).get('/metrics');
      expect(res.statusCode).toBe(200);
      expect(sampleValue(parsePrometheusText(res.body), 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    } finally {
      await open.close();
    }
  });

  it('counts rate-limited requests, and is not rate limited itself', async () => {
    const limited = await startTestApp({ RATE_LIMIT_MAX: '2' });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.api.get('/settings')).statusCode);
      expect(statuses).toEqual([200, 200, 429, 429]);
      for (let i = 0; i < 3; i++) await scrape(limited);
      const samples = await scrape(limited);
      expect(sampleValue(samples, 'http_rate_limited_total', { route: '/settings' })).toBe(2);
      expect(sampleValue(samples, 'http_requests_total', { method: 'GET', route: '/settings', status_code: '429' })).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('reports the pending attribution work a provider gives', async () => {
    let backlog = { deals: 3, oldestAgeSeconds: 42.5 };
    const withBacklog = await startTestApp({}, { pendingWork: async () => backlog });
    try {
      let samples = await scrape(withBacklog);
      expect(sampleValue(samples, 'attribution_pending_deals')).toBe(3);
      expect(sampleValue(samples, 'attribution_pending_oldest_age_seconds')).toBe(42.5);
      backlog = { deals: 0, oldestAgeSeconds: 0 };
      samples = await scrape(withBacklog);
      expect(sampleValue(samples, 'attribution_pending_deals')).toBe(0);
    } finally {
      await withBacklog.close();
    }
  });
});
