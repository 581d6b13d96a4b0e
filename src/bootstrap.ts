import { appendFileSync, chmodSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, readEnvFiles, type Config } from './config.js';
import { createApiKey } from './services/api-keys.js';
import { generatePayoutKey } from './security/payout-cipher.js';
import type { Db } from './storage/db.js';
import { countApiKeys } from './storage/api-keys.js';

/** The configuration from the environment, then `.env.local`, then `.env` in `directory`. */
export function loadConfigFrom(directory: string, env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig({ ...readEnvFiles(directory), ...env });
}

/** Appends `NAME=value` lines to `.env.local`, which only its owner may read (0600). */
export function appendToEnvLocal(directory: string, lines: Record<string, string>): string {
  const file = resolve(directory, '.env.local');
  const text = Object.entries(lines).map(([name, value]) => `${name}=${value}\n`).join('');
  const prefix = existsSync(file) ? '\n' : '# Written by the first start of Partner Attribution API. Keep it secret.\n';
  appendFileSync(file, prefix + text, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/**
 * On the first start there is no payout encryption key: make one and keep it in `.env.local`,
 * so the details encrypted today can be read tomorrow.
 */
export function ensurePayoutEncryptionKey(config: Config, directory: string): Config {
  if (config.payoutEncryptionKey) return config;
  const key = generatePayoutKey();
  appendToEnvLocal(directory, { PAYOUT_ENCRYPTION_KEY: key });
  return Object.freeze({ ...config, payoutEncryptionKey: key });
}

/** With no API key at all, creates an admin key, prints it once and writes it to `.env.local`. */
export async function ensureAdminKey(db: Db, directory: string, now: number): Promise<string | undefined> {
  if ((await countApiKeys(db)) > 0) return undefined;
  const { key } = await createApiKey(db, { name: 'initial admin key', scopes: ['admin'] }, now);
  const file = appendToEnvLocal(directory, { API_KEY: key });
  process.stdout.write(
    `\nCreated the first admin API key (shown once, also saved as API_KEY in ${file}):\n\n  ${key}\n\n`,
  );
  return key;
}
