import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '1m' });
});
afterAll(async () => t.close());

describe('rate limiting', () => {
  it('counts per key, sends the standard headers, then answers 429 with Retry-After', async () => {
    const key = await t.createKey(['read']);
    const answers = [];
    for (let n = 0; n < 4; n++) answers.push(await t.as(key).get('/partners'));
    expect(answers.map((res) => res.statusCode)).toEqual([200, 200, 200, 429]);
    expect(answers[0]!.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2', 'ratelimit-reset': expect.any(String) });
    const limited = answers[3]!;
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json().code).toBe('rate_limited');
  });

  it('gives another key its own budget', async () => {
    const other = await t.createKey(['read']);
    expect((await t.as(other).get('/partners')).statusCode).toBe(200);
  });

  it('counts requests without a valid key per IP, bad keys included', async () => {
    const fromIp = (ip: string, key?: string) =>
      t.as(key).inject({ method: 'GET', url: '/partners', remoteAddress: ip });
    const codes = [];
    for (let n = 0; n < 4; n++) codes.push((await fromIp('10.9.9.9', n % 2 ? 'sk_wrong' : undefined)).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    expect((await fromIp('10.9.9.10')).statusCode).toBe(401);
  });

  it('never limits the health and readiness probes', async () => {
    for (let n = 0; n < 6; n++) expect((await t.as(undefined).get('/health')).statusCode).toBe(200);
  });
});
