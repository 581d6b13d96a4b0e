import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, readEnvFiles, type Config } from './config.js';
import { createApiKey } from './services/api-keys.js';
import { generatePayoutKey } from './security/payout-cipher.js';
import type { Db } from './storage/db.js';
import { countApiKeys, lockApiKeysForWrite } from './storage/api-keys.js';

/** The configuration from the environment, then `.env.local`, then `.env` in `directory`. */
export function loadConfigFrom(directory: string, env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig({ ...readEnvFiles(directory), ...env });
}

/**
 * Sets `NAME=value` lines in `.env.local`, which only its owner may read (0600): a line that
 * already sets the name is replaced (a reinstall after deleting ./data must not leave two
 * `API_KEY=` lines, which would break `export $(cat .env.local)`), new names are appended.
 */
export function writeToEnvLocal(directory: string, lines: Record<string, string>): string {
  const file = resolve(directory, '.env.local');
  const existing = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Written by the first start of Partner Attribution API. Keep it secret.\n';
  const remaining = new Map(Object.entries(lines));
  const kept = existing.split('\n').flatMap((line) => {
    const name = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (name === undefined || !Object.hasOwn(lines, name)) return [line];
    if (!remaining.has(name)) return []; // a second line for the same name, from an older version
    const value = remaining.get(name)!;
    remaining.delete(name);
    return [`${name}=${value}`];
  });
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  const added = [...remaining].map(([name, value]) => `${name}=${value}`);
  writeFileSync(file, `${[...kept, ...added].join('\n')}\n`, { mode: 0o600 });
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
  writeToEnvLocal(directory, { PAYOUT_ENCRYPTION_KEY: key });
  return Object.freeze({ ...config, payoutEncryptionKey: key });
}

/**
 * With no API key at all, creates an admin key, prints it once and writes it to `.env.local`.
 * Instances starting together on an empty database make exactly one: the check and the insert
 * hold the api_keys write lock together.
 */
export async function ensureAdminKey(db: Db, directory: string, now: number): Promise<string | undefined> {
  if ((await countApiKeys(db)) > 0) return undefined;
  const created = await db.transaction().execute(async (trx) => {
    await lockApiKeysForWrite(trx);
    if ((await countApiKeys(trx)) > 0) return undefined;
    return createApiKey(trx, { name: 'initial admin key', scopes: ['admin'] }, now);
  });
  if (!created) return undefined;
  const { key } = created;
  const file = writeToEnvLocal(directory, { API_KEY: key });
  process.stdout.write(
    `\nCreated the first admin API key (shown once, also saved as API_KEY in ${file}):\n\n  ${key}\n\n`,
  );
  return key;
}
