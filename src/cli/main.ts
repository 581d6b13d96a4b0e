import { parseArgs } from 'node:util';
import { loadConfigFrom } from '../bootstrap.js';
import { ConfigError, type Config } from '../config.js';
import { createApiKey, revokeApiKeyById, SCOPES, scopesOf, type Scope } from '../services/api-keys.js';
import { FitCache } from '../services/attribution/fit-cache.js';
import { rebuildAttributionData } from '../services/attribution/rebuild.js';
import { listApiKeys } from '../storage/api-keys.js';
import { createDatabase, type Db } from '../storage/db.js';
import { migrateToLatest } from '../storage/migrate.js';

const USAGE = `Usage: npm run cli -- <command>

  migrate                                         apply pending database migrations
  rebuild                                         recompute every stored result and rollup (after a restore or an SQL import)
  keys create --name NAME --scopes read,write[,admin] [--partner PARTNER_ID]
  keys list
  keys revoke KEY_ID
`;

type Command = (db: Db, args: string[], config: Config) => Promise<void>;

const commands: Record<string, Command> = {
  async migrate(db, _args, config) {
    const { results = [] } = await migrateToLatest(db, config.databaseUrl);
    if (results.length === 0) console.log('Already up to date.');
    for (const result of results) console.log(`${result.status}: ${result.migrationName}`);
  },
  async rebuild(db, _args, config) {
    const started = Date.now();
    let shown = -1;
    const { deals, touchpoints } = await rebuildAttributionData({ db, now: Date.now, defaultModel: config.defaultModel, fits: new FitCache() }, (done, total) => {
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (percent === shown) return;
      shown = percent;
      process.stderr.write(`rebuild: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} deals (${percent} %)\n`);
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`Rebuilt the results of ${deals} deals and the rollups of ${touchpoints} touchpoints in ${seconds} s.`);
  },
  async 'keys create'(db, args) {
    const { values } = parseArgs({
      args,
      options: { name: { type: 'string' }, scopes: { type: 'string' }, partner: { type: 'string' } },
    });
    const scopes = (values.scopes ?? '').split(',').filter(Boolean);
    if (!values.name || scopes.length === 0 || !scopes.every((s): s is Scope => (SCOPES as readonly string[]).includes(s))) {
      throw new UsageError(`keys create needs --name and --scopes from ${SCOPES.join(', ')}`);
    }
    const { row, key } = await createApiKey(db, { name: values.name, scopes, partnerId: values.partner }, Date.now());
    console.log(`Created ${row.id} (${row.scopes}${row.partner_id ? `, partner ${row.partner_id}` : ''}).`);
    console.log(`Key (shown once): ${key}`);
  },
  async 'keys list'(db) {
    const { data } = await listApiKeys(db, { limit: 1000, offset: 0 });
    for (const row of data) {
      const state = row.revoked_at === null ? 'active' : `revoked ${new Date(row.revoked_at).toISOString()}`;
      console.log([row.id, row.prefix + '…', scopesOf(row).join(','), row.partner_id ?? '-', state, row.name].join('\t'));
    }
    if (data.length === 0) console.log('No keys.');
  },
  async 'keys revoke'(db, args) {
    const [id] = args;
    if (!id) throw new UsageError('keys revoke needs a key id (see keys list)');
    if (!(await revokeApiKeyById(db, id, Date.now()))) throw new UsageError(`No key with id ${id}`);
    console.log(`Revoked ${id}; it stops working at once.`);
  },
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const name = argv[0] === 'keys' ? `keys ${argv[1] ?? ''}` : (argv[0] ?? '');
  const command = commands[name];
  if (!command) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfigFrom(process.cwd());
  const db = createDatabase(config);
  try {
    // Key commands work on a fresh database too.
    if (name !== 'migrate') await migrateToLatest(db, config.databaseUrl);
    await command(db, argv.slice(name.startsWith('keys') ? 2 : 1), config);
    return 0;
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof UsageError || error instanceof ConfigError;
    console.error(known ? (error as Error).message : error);
    process.exit(1);
  },
);
