import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/storage/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { databaseWriteMark } from '../helpers/database.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('operations', () => {
  it('/health and /ready need no key', async () => {
    expect((await t.as(undefined).get('/health')).json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect((await t.as(undefined).get('/ready')).json()).toEqual({ status: 'ready' });
  });

  it('/openapi.json is OpenAPI 3.1 with the error responses of the catalogue', async () => {
    const doc = (await t.as(undefined).get('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const createEvent = doc.paths['/events'].post;
    expect(Object.keys(createEvent.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '409', '422', '429', '500']));
    expect(JSON.stringify(createEvent.responses['422'])).toContain('partner_not_found');
    expect(createEvent.requestBody.content['application/json'].schema.properties.touchpoint_type.enum).toContain('closer');
  });

  it('/docs serves the interactive reference', async () => {
    const res = await t.as(undefined).get('/docs');
    expect([200, 302]).toContain(res.statusCode);
    const page = await t.as(undefined).get('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
  });

  it('logs JSON lines with a request id, never an API key or payout details', async () => {
    await t.api.post('/partners', { name: 'Secretive', email: 'secret@example.com', payout_details: { bank_account: 'DE-SECRET-ACCOUNT-77' } });
    await t.api.get('/partners/nope');
    await t.as(undefined).inject({ method: 'GET', url: '/partners', headers: { authorization: `Bearer ${t.adminKey}` } });
    const lines = t.logs().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.some((line) => typeof line.reqId === 'string')).toBe(true);
    expect(t.logs()).not.toContain(t.adminKey);
    expect(t.logs()).not.toContain('DE-SECRET-ACCOUNT-77');
  });

  it('authenticating does not write to the database', async () => {
    const before = await databaseWriteMark(t.db);
    for (let n = 0; n < 5; n++) expect((await t.api.get('/partners')).statusCode).toBe(200);
    expect(await databaseWriteMark(t.db)).toBe(before);
  });
});

describe('the app refuses to boot', () => {
  it('when a route declares neither a scope nor public', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'attribution-boot-'));
    const config = loadConfig({ DB_PATH: join(directory, 'x.db'), LOG_LEVEL: 'silent', PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    const app = await buildApp({ config, db: createDatabase(config) });
    app.get('/sneaky', async () => 'open');
    await expect(app.ready()).rejects.toThrow(/GET \/sneaky/);
    await app.close().catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
  });
});

describe('readiness', () => {
  it('answers 503 when the database does not', async () => {
    const own = await startTestApp();
    await own.db.destroy();
    const res = await own.as(undefined).get('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', reason: expect.stringMatching(/does not answer/) });
    expect(res.headers['retry-after']).toBe('5');
    await own.close().catch(() => undefined);
  });
});
