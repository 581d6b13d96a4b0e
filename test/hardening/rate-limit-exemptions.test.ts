import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRateLimitExempt, RATE_LIMIT_EXEMPT_PATHS } from '../../src/http/plugins/rate-limit.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** Issue 11, point 7: rate limits protect without locking people out. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '15m' });
});
afterAll(async () => t.close());

const fromIp = (ip: string, url: string, method: 'GET' | 'POST' | 'DELETE' = 'GET') =>
  t.as(undefined).inject({ method, url, remoteAddress: ip });

describe('the documentation and static assets', () => {
  it('load any number of times without spending the keyless budget of the IP', async () => {
    const page = await fromIp('10.7.0.1', '/docs/');
    expect(page.statusCode).toBe(200);
    // Every asset the page itself asks for, plus the document and the probes.
    const assets = [...page.body.matchAll(/(?:href|src)="\.?\/?([^"]+)"/g)].map((match) => `/docs/${match[1]!.replace(/^\.\//, '')}`);
    expect(assets.length).toBeGreaterThan(2);
    const urls = ['/docs', '/docs/', '/docs/json', '/docs/static/swagger-initializer.js', '/openapi.json', '/health', '/ready', ...assets];
    for (let load = 0; load < 12; load++) {
      for (const url of urls) {
        const res = await fromIp('10.7.0.1', url);
        expect(res.statusCode, url).not.toBe(429);
        expect(res.statusCode, url).toBeLessThan(400);
      }
    }
    // The API itself still answers that IP as it should: 401, not 429.
    const api = await fromIp('10.7.0.1', '/partners');
    expect(api.statusCode).toBe(401);
    expect(api.headers['ratelimit-remaining']).toBe('2');
  });

  it('the exemption is one list, by route path, easy to extend', () => {
    expect(RATE_LIMIT_EXEMPT_PATHS).toEqual(expect.arrayContaining(['/health', '/ready', '/openapi.json', '/docs']));
    expect(isRateLimitExempt('/docs/static/*')).toBe(true);
    expect(isRateLimitExempt('/docsx')).toBe(false);
    expect(isRateLimitExempt(undefined)).toBe(false);
  });
});

describe('unknown paths and methods', () => {
  it('count against the caller', async () => {
    const codes = [];
    for (let n = 0; n < 4; n++) codes.push((await fromIp('10.7.0.2', `/wp-admin/${n}.php`)).statusCode);
    expect(codes).toEqual([404, 404, 404, 429]);
    const limited = await fromIp('10.7.0.2', '/another-probe');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('a wrong method on a known path counts too', async () => {
    const codes = [];
    for (let n = 0; n < 4; n++) codes.push((await fromIp('10.7.0.3', '/health', 'POST')).statusCode);
    expect(codes).toEqual([405, 405, 405, 429]);
  });
});
