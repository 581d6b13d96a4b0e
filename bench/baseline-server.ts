/**
 * The bare baseline: node:http and the database driver, nothing else — no framework, auth,
 * validation or rate limit. It does the service's storage work for the measured routes on the
 * service's own tables, so the gap between the two is what the service's layers cost.
 *
 * Env: BASELINE_PORT, and BASELINE_DB_PATH (SQLite) or BASELINE_DATABASE_URL (PostgreSQL).
 * POST /__copy (not measured) copies the service's rows in, so both read the same data.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { openPostgresStore, openSqliteStore, servicePragmas, storedAttributionAnswer, type BaselineStore, type CopySource, type EventRow } from './baseline-store.js';

const port = Number(process.env.BASELINE_PORT);
const store: BaselineStore = process.env.BASELINE_DATABASE_URL
  ? await openPostgresStore(process.env.BASELINE_DATABASE_URL)
  : await openSqliteStore(process.env.BASELINE_DB_PATH ?? 'baseline.db');

const iso = (ms: unknown) => new Date(Number(ms)).toISOString();

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

interface EventInput {
  id?: string;
  partner_id: string;
  deal_id: string;
  touchpoint_type: string;
  timestamp?: string;
  metadata?: Record<string, unknown>;
}

function toRow(input: EventInput, hashed: string, now: number): EventRow {
  return {
    id: input.id ?? `evt_${randomUUID().replaceAll('-', '')}`,
    partner_id: input.partner_id,
    deal_id: input.deal_id,
    touchpoint_type: input.touchpoint_type,
    timestamp: input.timestamp === undefined ? now : Date.parse(input.timestamp),
    metadata: input.metadata === undefined ? null : JSON.stringify(input.metadata),
    // The service stores a hash of the request's meaning; hashing the body is the same work.
    request_hash: createHash('sha256').update(hashed).digest('base64url'),
    created_at: now,
  };
}

async function postEvent(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const text = await readBody(request);
  const input = JSON.parse(text) as EventInput;
  const row = toRow(input, text, Date.now());
  await store.insertEvent(row);
  send(response, 201, {
    ...row,
    request_hash: undefined,
    timestamp: iso(row.timestamp),
    metadata: input.metadata ?? null,
    created_at: iso(row.created_at),
  });
}

/** The bare batch: parse the body, hash each item, insert every row in one transaction. */
async function postEventBatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { events } = JSON.parse(await readBody(request)) as { events: EventInput[] };
  const now = Date.now();
  await store.insertEvents(events.map((input) => toRow(input, JSON.stringify(input), now)));
  send(response, 201, { inserted: events.length, duplicates: 0 });
}

async function getPartners(url: URL, response: ServerResponse): Promise<void> {
  const limit = Number(url.searchParams.get('limit') ?? 50);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const { rows, total } = await store.listPartners(limit, offset);
  const data = rows.map((row) => ({
    id: row.id,
    name: row.name,
    email: row.email,
    payout_details: row.payout_details_masked === null ? null : JSON.parse(String(row.payout_details_masked)),
    status: row.status,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  }));
  send(response, 200, { data, pagination: { limit, offset, total } });
}

async function getAttribution(dealId: string, response: ServerResponse): Promise<void> {
  const stored = await store.readAttribution(dealId);
  if (!stored) return send(response, 404, { status: 404 });
  send(response, 200, storedAttributionAnswer(dealId, stored));
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://baseline');
  const route = `${request.method} ${url.pathname}`;
  let handled: Promise<void> | void;
  if (route === 'POST /events') handled = postEvent(request, response);
  else if (route === 'POST /events/batch') handled = postEventBatch(request, response);
  else if (route === 'GET /partners') handled = getPartners(url, response);
  else if (request.method === 'GET' && url.pathname.startsWith('/attribution/')) {
    handled = getAttribution(decodeURIComponent(url.pathname.slice('/attribution/'.length)), response);
  } else if (route === 'GET /health') {
    handled = send(response, 200, { status: 'ok', pragmas: process.env.BASELINE_DATABASE_URL ? [] : servicePragmas() });
  }
  else if (route === 'POST /__copy') {
    handled = readBody(request).then(async (text) => {
      await store.copyFrom(JSON.parse(text) as CopySource);
      send(response, 200, { copied: true });
    });
  } else handled = send(response, 404, { status: 404 });
  void Promise.resolve(handled).catch((error: unknown) => {
    if (!response.headersSent) send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    else response.destroy();
  });
});
server.keepAliveTimeout = 72_000;

const shutdown = () => server.close(() => void store.close().then(() => process.exit(0)));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
server.listen(port, '127.0.0.1');
