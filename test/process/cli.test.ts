import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/storage/db.js';

const run = promisify(execFile);
const TSX = pathToFileURL(fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))).href;
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'attribution-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  run(process.execPath, ['--import', TSX, CLI, ...args], { cwd: directory, env: { PATH: process.env.PATH ?? '' } }).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

describe('operator CLI', () => {
  it('migrates, then says it is up to date', async () => {
    expect((await cli('migrate')).stdout).toContain('Success: 0001-initial');
    expect((await cli('migrate')).stdout).toContain('up to date');
  });

  it('creates, lists and revokes keys that the service accepts and then refuses', async () => {
    const created = await cli('keys', 'create', '--name', 'ops', '--scopes', 'read,write');
    const key = /Key \(shown once\): (sk_\S+)/.exec(created.stdout)![1]!;
    const id = /Created (key_\w+)/.exec(created.stdout)![1]!;
    const listed = await cli('keys', 'list');
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(key);

    const config = loadConfig({ DB_PATH: join(directory, 'data', 'attribution.db'), LOG_LEVEL: 'silent', PAYOUT_ENCRYPTION_KEY: '0'.repeat(64) });
    const app = await buildApp({ config, db: createDatabase(config) });
    try {
      expect((await app.inject({ method: 'GET', url: '/partners', headers: { 'x-api-key': key } })).statusCode).toBe(200);
      expect((await cli('keys', 'revoke', id)).stdout).toContain('Revoked');
      expect((await app.inject({ method: 'GET', url: '/partners', headers: { 'x-api-key': key } })).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('rebuilds every result from rows written around the service, with progress on stderr', async () => {
    const config = loadConfig({ DB_PATH: join(directory, 'data', 'attribution.db'), LOG_LEVEL: 'silent', PAYOUT_ENCRYPTION_KEY: '0'.repeat(64) });
    const db = createDatabase(config);
    try {
      // As an SQL import would: a partner, a won deal and its touchpoint, with no result or rollup.
      await db.insertInto('partners').values({ id: 'p1', name: 'P1', email: 'p1@example.com', email_normalized: 'p1@example.com', payout_details_encrypted: null, payout_details_masked: null, status: 'active', created_at: 0, updated_at: 0 }).execute();
      await db.insertInto('deals').values({ id: 'imported', amount: 12345, currency: 'USD', closed_at: Date.parse('2024-05-02T00:00:00Z'), attribution_model: 'linear', status: 'won', created_at: 0, updated_at: 0 }).execute();
      await db.insertInto('events').values({ id: 'e1', partner_id: 'p1', deal_id: 'imported', touchpoint_type: 'demo', timestamp: Date.parse('2024-05-01T00:00:00Z'), metadata: null, request_hash: 'x', created_at: 0 }).execute();
      expect(await db.selectFrom('attribution_results').selectAll().execute()).toEqual([]);

      const rebuilt = await cli('rebuild');
      expect(rebuilt.stderr).toContain('rebuild: 1 of 1 deals (100 %)');
      expect(rebuilt.stdout).toContain('Rebuilt the results of 1 deals and the rollups of 1 touchpoints');
      const [result] = await db.selectFrom('attribution_results').selectAll().execute();
      expect(result).toMatchObject({ deal_id: 'imported', model: 'linear', amount_minor: 12345, touchpoints: 1 });
      expect(await db.selectFrom('attribution_shares').select(['partner_id', 'payout']).execute()).toEqual([{ partner_id: 'p1', payout: 12345 }]);
      expect(await db.selectFrom('attribution_pending').selectAll().execute()).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it('explains its usage and rejects bad arguments', async () => {
    const usage = await cli('frobnicate');
    expect('code' in usage && usage.code).toBe(2);
    expect(usage.stderr).toContain('keys create');
    const bad = await cli('keys', 'create', '--name', 'x', '--scopes', 'root');
    expect('code' in bad && bad.code).toBe(1);
    expect(bad.stderr).toContain('--scopes');
  });
});
