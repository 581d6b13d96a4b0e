/**
 * Regenerates docs/images/dashboard-overview.png: the real service on a fresh SQLite file,
 * the demo data loaded through the API, the dashboard in Debian's Chromium at 1280 px.
 * Run with `npm run screenshot` (it builds the dashboard first).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createApiKey } from '../src/services/api-keys.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { launchChromium } from '../test/helpers/browser.js';
import { loadDemoData } from './demo-data.js';

const OUTPUT = fileURLToPath(new URL('../docs/images/dashboard-overview.png', import.meta.url));

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'dashboard-screenshot-'));
  const config = loadConfig({ DB_PATH: join(directory, 'demo.db'), LOG_LEVEL: 'warn', PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
  const db = createDatabase(config);
  await migrateToLatest(db, undefined);
  const { key } = await createApiKey(db, { name: 'Demo admin', scopes: ['admin'] }, Date.now());
  const app = await buildApp({ config, db });
  const browser = await launchChromium();
  try {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    await loadDemoData(base, key);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'America/New_York', reducedMotion: 'reduce' });
    await page.goto(`${base}/dashboard#/?from=2024-01-01&to=2024-12-31`);
    await page.fill('#api-key', key);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-figure="Revenue"]');
    await page.waitForSelector('canvas');
    mkdirSync(join(OUTPUT, '..'), { recursive: true });
    await page.screenshot({ path: OUTPUT, fullPage: true });
    console.log(`wrote ${OUTPUT}`);
  } finally {
    await browser.close();
    await app.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
