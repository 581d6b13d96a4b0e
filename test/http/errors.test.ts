import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ BODY_LIMIT: '2kb' });
});
afterAll(async () => t.close());

const raw = (payload: string, contentType = 'application/json') =>
  t.api.inject({ method: 'POST', url: '/partners', payload, headers: { 'content-type': contentType } });

const expectProblem = (res: Awaited<ReturnType<typeof raw>>, status: number, code: string) => {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), code });
};

describe('errors are problem+json', () => {
  it('malformed JSON → 400', async () => {
    expectProblem(await raw('{"name": "Alice",'), 400, 'validation_failed');
  });

  it('a body that is not JSON → 415', async () => {
    expectProblem(await raw('name=Alice', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
    expectProblem(await raw('Alice', 'text/plain'), 415, 'unsupported_media_type');
  });

  it('a body over BODY_LIMIT → 413, nothing stored', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(3000), email: 'big@example.com' });
    expectProblem(await raw(big), 413, 'payload_too_large');
    expect((await t.api.get('/partners?search=big@')).json().pagination.total).toBe(0);
  });

  it('a JSON body that is not an object → 400', async () => {
    expectProblem(await raw('[1,2]'), 400, 'validation_failed');
    expectProblem(await raw('null'), 400, 'validation_failed');
  });

  it('an unknown path → 404 problem, even without a key', async () => {
    expectProblem(await t.as(undefined).get('/nothing/here'), 404, 'not_found');
    expectProblem(await t.as(undefined).get('/partners/p-1/nothing'), 404, 'not_found');
  });

  it('carries a request id, echoing the caller’s', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-42' } });
    expect(res.headers['x-request-id']).toBe('trace-42');
  });

  it('a 500 shows no stack, SQL or file path, and is logged with the request id', async () => {
    await sql`alter table deals rename to deals_gone`.execute(t.db);
    try {
      const res = await t.api.inject({ method: 'GET', url: '/deals', headers: { 'x-request-id': 'boom-1' } });
      expectProblem(res, 500, 'internal');
      expect(res.body).not.toMatch(/deals|select|sqlite|\.ts|\/work|at \w+ \(/i);
      expect(res.json().detail).toContain('boom-1');
      expect(t.logs()).toContain('boom-1');
    } finally {
      await sql`alter table deals_gone rename to deals`.execute(t.db);
    }
  });
});
