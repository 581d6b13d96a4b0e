import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { builtDashboard } from '../helpers/dashboard-build.js';

/** The budget for everything the first page loads, gzipped. */
const FIRST_PAGE_BUDGET = 200 * 1024;

let t: TestApp;
let directory: string;
beforeAll(async () => {
  directory = await builtDashboard();
  t = await startTestApp({ RATE_LIMIT_MAX: '3' }, { dashboardDir: directory });
});
afterAll(async () => t.close());

const assetsOf = (html: string) => [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((match) => match[1]!);

describe('GET /dashboard', () => {
  it('serves the app without a key, under a strict Content-Security-Policy', async () => {
    const res = await t.as(undefined).get('/dashboard');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    // No inline script or style for the policy to block: every script has a src on this origin.
    expect(res.body).not.toMatch(/<script(?![^>]*\ssrc="\/dashboard\/)[^>]*>/);
    expect(res.body).not.toMatch(/<style|\sstyle="/);
    expect((await t.as(undefined).get('/dashboard/')).body).toBe(res.body);
  });

  it('serves hashed assets for a year, and a problem+json 404 for a missing one', async () => {
    const html = (await t.as(undefined).get('/dashboard')).body;
    const assets = assetsOf(html);
    expect(assets.some((path) => path.endsWith('.js'))).toBe(true);
    expect(assets.some((path) => path.endsWith('.css'))).toBe(true);
    for (const path of assets) {
      const res = await t.as(undefined).get(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(String(res.headers['content-security-policy'])).not.toContain('unsafe-inline');
    }
    const missing = await t.as(undefined).get('/dashboard/assets/nope.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await t.as(undefined).get('/dashboard/..%2f..%2fpackage.json')).statusCode).toBe(404);
  });

  it('does not count its files against the rate limit', async () => {
    const html = (await t.as(undefined).get('/dashboard')).body;
    for (let round = 0; round < 5; round++) {
      for (const path of ['/dashboard', ...assetsOf(html)]) expect((await t.api.get(path)).statusCode).toBe(200);
    }
    // The key's budget of 3 is untouched by the 15+ file requests above.
    const first = await t.api.get('/settings');
    expect(first.statusCode).toBe(200);
    expect(first.headers['ratelimit-remaining']).toBe('2');
  });

  it(`loads at most ${FIRST_PAGE_BUDGET / 1024} KB gzipped on the first page`, async () => {
    const html = readFileSync(join(directory, 'index.html'));
    const files = [html, ...assetsOf(html.toString()).map((path) => readFileSync(join(directory, path.replace('/dashboard/', ''))))];
    const gzipped = files.reduce((total, file) => total + gzipSync(file, { level: 9 }).length, 0);
    expect(gzipped).toBeLessThanOrEqual(FIRST_PAGE_BUDGET);
    // Everything the build made is either loaded by the first page or nothing at all: no lazy chunk escapes the count.
    expect(readdirSync(join(directory, 'assets')).length).toBe(assetsOf(html.toString()).length);
  });

  it('says how to build it when it is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dashboard-missing-'));
    const unbuilt = await startTestApp({}, { dashboardDir: empty });
    try {
      const res = await unbuilt.as(undefined).get('/dashboard');
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build');
    } finally {
      await unbuilt.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
