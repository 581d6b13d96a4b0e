import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export type Engine = 'sqlite' | 'postgres';

export interface BenchOptions {
  db: Engine;
  quick: boolean;
  /** Seconds of measurement per scenario, after `warmup` seconds of unmeasured load. */
  duration: number;
  warmup: number;
  /** Service/baseline pairs run this many times, alternating; each side keeps its best round. */
  rounds: number;
  /** Seconds to wait at most, before each measurement, for other jobs on the machine to finish. */
  quietWait: number;
  partners: number;
  deals: number;
  touchpoints: number;
  /** Connections for the single-request scenarios (POST /events, GET …). */
  connections: number;
  batchSize: number;
  batchConnections: number;
  /** Deals whose stored attribution GET /attribution cycles through. */
  attributionDeals: number;
  analyticsRuns: number;
  build: boolean;
  /**
   * Flags for the service's `node`: the production ones from package.json (`config.node_flags`,
   * which `npm start` and docs/deployment.md use too) unless `--node-flags` replaces them.
   */
  nodeFlags: string[];
  /** Writes a V8 CPU profile of the service to bench/results/ and prints its top functions. */
  profile: boolean;
  save: boolean;
  /** The whole run stops (and cleans up) after this many minutes. */
  timeoutMinutes: number;
  /** PostgreSQL server to create the benchmark's throw-away databases on. */
  databaseUrl: string;
}

const HELP = `npm run bench -- [flags]

  --db sqlite|postgres     engine (default sqlite; postgres uses BENCH_DATABASE_URL or
                           postgres://postgres@127.0.0.1:5432/test to create throw-away databases)
  --quick                  small sizes and short runs (about 1-2 minutes)
  --duration <s>           measured seconds per scenario (default 10, quick 5)
  --warmup <s>             unmeasured seconds before each (default 3, quick 1)
  --rounds <n>             run each service/baseline pair n times, alternating, keep each side's best (default 1)
  --quiet-wait <s>         before each measurement wait up to this long for the machine to be idle (default 60, quick 10; 0 = off)
  --partners <n>           partners (default 2000)
  --deals <n>              deals for GET /analytics (default 200000, quick 10000)
  --touchpoints <n>        touchpoints for GET /analytics (default 1000000, quick 50000)
  --connections <n>        connections for single-request scenarios (default 50)
  --batch-size <n>         events per POST /events/batch (default 1000)
  --batch-connections <n>  connections for the batch scenario (default 4)
  --attribution-deals <n>  stored results GET /attribution cycles through (default 1000)
  --analytics-runs <n>     sequential GET /analytics calls (default 20)
  --no-build               use the existing dist/
  --node-flags=<flags>     flags for the service's node instead of package.json's config.node_flags
                           (the production ones), e.g. --node-flags="--max-semi-space-size=8"; "" for none
  --profile                CPU-profile the service; top functions printed, profile kept in bench/results/
  --no-save                do not write bench/results/<db>-<timestamp>.md
  --timeout <min>          give up (and clean up) after this long (default 60)
`;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      db: { type: 'string', default: 'sqlite' },
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      'quiet-wait': { type: 'string' },
      partners: { type: 'string' },
      deals: { type: 'string' },
      touchpoints: { type: 'string' },
      connections: { type: 'string' },
      'batch-size': { type: 'string' },
      'batch-connections': { type: 'string' },
      'attribution-deals': { type: 'string' },
      'analytics-runs': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      'node-flags': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (values.db !== 'sqlite' && values.db !== 'postgres') throw new Error(`--db must be sqlite or postgres, got "${values.db}"`);
  const quick = values.quick;
  const count = (name: string, text: string | undefined, fallback: number, min = 1) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${text}"`);
    return value;
  };
  const batchSize = count('batch-size', values['batch-size'], 1000);
  if (batchSize > 1000) throw new Error('--batch-size is at most 1000 (the API limit)');
  return {
    db: values.db,
    quick,
    duration: count('duration', values.duration, quick ? 5 : 10),
    warmup: count('warmup', values.warmup, quick ? 1 : 3, 0),
    rounds: count('rounds', values.rounds, 1),
    quietWait: count('quiet-wait', values['quiet-wait'], quick ? 10 : 60, 0),
    partners: count('partners', values.partners, 2000),
    deals: count('deals', values.deals, quick ? 10_000 : 200_000),
    touchpoints: count('touchpoints', values.touchpoints, quick ? 50_000 : 1_000_000),
    connections: count('connections', values.connections, 50),
    batchSize,
    batchConnections: count('batch-connections', values['batch-connections'], 4),
    attributionDeals: count('attribution-deals', values['attribution-deals'], 1000),
    analyticsRuns: count('analytics-runs', values['analytics-runs'], 20),
    build: !values['no-build'],
    nodeFlags: (values['node-flags'] ?? productionNodeFlags()).split(/\s+/).filter(Boolean),
    profile: values.profile,
    save: !values['no-save'],
    timeoutMinutes: count('timeout', values.timeout, 60),
    databaseUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  };
}

/** The flags the service runs with in production: package.json's `config.node_flags`. */
export function productionNodeFlags(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { config?: { node_flags?: string } };
  return manifest.config?.node_flags ?? '';
}
