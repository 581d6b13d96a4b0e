import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { AppError } from '../../src/errors.js';
import { createDatabase } from '../../src/storage/db.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { rawClient, rawRequest, type RawAnswer } from '../helpers/raw-http.js';

/** Issue 11, point 4: every error is problem+json, the framework's own included. */
let t: TestApp;
let send: (request: string) => Promise<RawAnswer>;
beforeAll(async () => {
  t = await startTestApp();
  send = await rawClient(t.app);
});
afterAll(async () => t.close());

function expectProblem(answer: { status: number; headers: Record<string, unknown>; body: string }, status: number, code: string) {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(answer.body);
  expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), code });
  return body as { detail: string };
}

const fromInject = (res: Awaited<ReturnType<TestApp['api']['get']>>) => ({ status: res.statusCode, headers: res.headers, body: res.body });

describe("the framework's errors", () => {
  it('bad percent-encoding in the path → 400', async () => {
    for (const path of ['/partners/%E0%A4%A', '/partners/%ZZ', '/deals/%']) {
      const body = expectProblem(await send(rawRequest('GET', path, { 'x-api-key': t.adminKey })), 400, 'validation_failed');
      expect(body.detail).toMatch(/percent-encoding/);
    }
  });

  it('a URL or a header over the size limit → 431', async () => {
    expectProblem(await send(rawRequest('GET', `/partners?search=${'x'.repeat(20_000)}`)), 431, 'headers_too_large');
    expectProblem(await send(rawRequest('GET', '/partners', { 'x-padding': 'y'.repeat(20_000) })), 431, 'headers_too_large');
  });

  it('a bad CORS preflight → 400', async () => {
    const res = await t.as(undefined).inject({ method: 'OPTIONS', url: '/partners', headers: { origin: 'https://app.example.com' } });
    const body = expectProblem(fromInject(res), 400, 'validation_failed');
    expect(body.detail).toMatch(/preflight/i);
  });

  it('a known path with an unsupported method → 405 with Allow', async () => {
    const cases = [
      ['POST', '/health', 'GET, HEAD'],
      ['DELETE', '/deals/d-1', 'GET, HEAD, PATCH'],
      ['PUT', '/partners', 'GET, HEAD, POST'],
      // DELETE /events/batch is a real request: the event with id 'batch'.
      ['GET', '/events/batch', 'DELETE, POST'],
      ['DELETE', '/settings/', 'GET, HEAD, PATCH'],
    ] as const;
    for (const [method, url, allow] of cases) {
      const res = await t.as(undefined).inject({ method, url });
      expectProblem(fromInject(res), 405, 'method_not_allowed');
      expect(res.headers.allow, `${method} ${url}`).toBe(allow);
    }
  });

  it('an unknown path is still a 404', async () => {
    expectProblem(fromInject(await t.as(undefined).get('/partner')), 404, 'not_found');
  });
});

describe("AppError('internal')", () => {
  let database: TestDatabase;
  let app: App;
  let logs = '';
  beforeAll(async () => {
    database = await createTestDatabase();
    const config = testConfig(database);
    const db = createDatabase(config);
    await migrateToLatest(db, config.databaseUrl);
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
    app = await buildApp({ config, db, logStream });
    // A route that fails the way a service would on an impossible state.
    app.get('/boom', { config: { auth: 'public' } }, async () => {
      throw new AppError('internal', 'ledger row 42 of deal d-9 is inconsistent');
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('is logged with its detail; the client sees only the request id, like every 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'req-internal-1' } });
    const body = expectProblem(fromInject(res), 500, 'internal');
    expect(body.detail).toBe('Something went wrong; quote request id req-internal-1 when reporting it');
    expect(res.body).not.toContain('ledger');
    const line = logs.split('\n').find((text) => text.includes('ledger row 42'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 50, reqId: 'req-internal-1' });
  });
});
