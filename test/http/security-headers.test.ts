import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** Headers helmet sets for pages that say nothing about a JSON answer no browser renders. */
const PAGE_ONLY_HEADERS = [
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

const EXPOSED = 'ratelimit-limit, ratelimit-remaining, ratelimit-reset, retry-after, x-request-id';

let t: TestApp;
let listed: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  listed = await startTestApp({ CORS_ORIGIN: 'https://app.example, https://admin.example' });
});
afterAll(async () => {
  await t?.close();
  await listed?.close();
});

describe('security headers', () => {
  it('sends API answers, successes and errors alike, HSTS, nosniff and a CSP that allows nothing', async () => {
    for (const res of [await t.api.get('/partners'), await t.as(undefined).get('/partners'), await t.api.get('/nowhere')]) {
      expect(res.headers).toMatchObject({
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      });
      for (const name of PAGE_ONLY_HEADERS) expect(res.headers).not.toHaveProperty(name);
    }
  });

  it("sends the docs pages all of helmet's headers, with the CSP Swagger UI needs", async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/index.html']) {
      const res = await t.as(undefined).get(url);
      expect(res.statusCode, url).toBeLessThan(400);
      expect(String(res.headers['content-security-policy'])).toContain("script-src 'self' 'unsafe-inline'");
      expect(res.headers).toMatchObject({ 'x-frame-options': 'SAMEORIGIN', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
      for (const name of PAGE_ONLY_HEADERS) expect(res.headers, `${url} ${name}`).toHaveProperty(name);
    }
  });

  it('counts a path only starting like a page as the API', async () => {
    const res = await t.as(undefined).get('/docsfoo');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe('CORS', () => {
  it('allows any origin by default and exposes the rate-limit and request-id headers', async () => {
    for (const headers of [{}, { origin: 'https://anywhere.example' }]) {
      const res = await t.api.inject({ method: 'GET', url: '/partners', headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED });
      expect(res.headers).not.toHaveProperty('vary');
    }
  });

  it('answers a preflight before the key and the rate limit, with the methods and headers allowed', async () => {
    const res = await t.as(undefined).inject({
      method: 'OPTIONS',
      url: '/events',
      headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
      'access-control-allow-headers': 'content-type, x-api-key, authorization, x-request-id',
      'content-length': '0',
      'x-request-id': expect.any(String),
    });
    expect(res.headers).not.toHaveProperty('ratelimit-limit');
  });

  it('answers an OPTIONS request that is no preflight 400, as problem+json', async () => {
    for (const headers of [{}, { origin: 'https://anywhere.example' }]) {
      const res = await t.as(undefined).inject({ method: 'OPTIONS', url: '/partners', headers });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 400, code: 'validation_failed', detail: 'Invalid Preflight Request' });
    }
  });

  it('with a list of origins, allows back only a listed origin and varies on Origin', async () => {
    const from = (origin?: string) =>
      listed.api.inject({ method: 'GET', url: '/partners', headers: origin ? { origin } : {} });
    const allowed = await from('https://admin.example');
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': 'https://admin.example', vary: 'Origin', 'access-control-expose-headers': EXPOSED });
    for (const res of [await from('https://evil.example'), await from()]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers).not.toHaveProperty('access-control-allow-origin');
      expect(res.headers.vary).toBe('Origin');
    }
    const preflight = await listed.as(undefined).inject({
      method: 'OPTIONS',
      url: '/partners',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example', vary: 'Origin' });
  });
});
