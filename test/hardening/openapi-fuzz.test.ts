import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { databaseDigest } from '../helpers/database.js';
import { bodyMutation, hostileString, hostileValue, operationsOf, plausible, type Operation } from './request-arbitraries.js';

/**
 * Issue 11, point 10: the systematic guard. For every operation the OpenAPI document lists (so a
 * route added later is covered the day it is added), arbitrary path parameters, query strings,
 * JSON bodies and headers, the classes above among them. Never a 5xx; every 4xx is problem+json;
 * a rejected request leaves the database exactly as it was (a digest of every table's rows).
 * Seeded, so a failure replays; FUZZ_RUNS raises the runs per operation.
 */
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = 20_261_111;

let t: TestApp;
let operations: Operation[];
let writeKey: string;

beforeAll(async () => {
  // The worker off: its background recomputations would count as changes a rejected request made.
  t = await startTestApp();
  writeKey = await t.createKey(['read', 'write']);
  // Real things for the generated ids to hit, so requests reach past "not found".
  await t.api.post('/partners', { id: 'p-fz', name: 'Fuzz', email: 'fuzz@example.com', payout_details: { iban: 'DE0012345678' } });
  await t.api.post('/deals', { id: 'd-fz', amount: 1000, closed_date: '2024-01-15T10:00:00Z' });
  await t.api.post('/events', { id: 'e-fz', partner_id: 'p-fz', deal_id: 'd-fz', touchpoint_type: 'closer', timestamp: '2024-01-10T10:00:00Z' });
  operations = operationsOf((await t.api.get('/openapi.json')).json());
});
afterAll(async () => t.close());

interface Generated {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
}

// What an HTTP header can carry at all: Node refuses the rest before it is sent.
const printable = (text: string) => text.replace(/[^\t\x20-\x7e]/g, '?');

const encode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as a client library would send it
  }
};

function requestFor(operation: Operation): fc.Arbitrary<Generated> {
  const pathValue = fc.oneof({ weight: 2, arbitrary: fc.constantFrom('p-fz', 'd-fz', 'e-fz') }, { weight: 3, arbitrary: hostileString });
  const pathValues = fc.tuple(...operation.pathParameters.map(() => pathValue));
  const queryValue = (name: string) => plausible(operation.query[name]).map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  const query = fc.record(Object.fromEntries(Object.keys(operation.query).map((name) => [name, fc.oneof(queryValue(name), hostileString)])), {
    requiredKeys: [],
  });
  const extraQuery = fc.option(fc.tuple(fc.constantFrom('api_key', 'x', '__proto__', 'limit[]', 'search'), hostileString), { freq: 4 });
  const body = operation.body ? fc.oneof({ weight: 4, arbitrary: plausible(operation.body) }, { weight: 1, arbitrary: hostileValue }) : fc.constant(undefined);
  const contentType = fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined);
  const key = fc.constantFrom(t.adminKey, t.adminKey, t.adminKey, writeKey, undefined, 'sk_not-a-key', '\u00ff');
  const requestId = fc.option(hostileString, { freq: 3 });
  const headerValue = hostileString.map(printable);
  const extraHeaders = fc.record(
    {
      authorization: fc.oneof(headerValue.map((value) => `Bearer ${value}`), headerValue),
      accept: fc.constantFrom('*/*', 'text/csv', 'application/xml', 'text/html'),
      origin: fc.constantFrom('https://app.example.com', 'null'),
      'x-forwarded-for': headerValue,
      'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
    },
    { requiredKeys: [] },
  );
  const method = fc.oneof({ weight: 9, arbitrary: fc.constant(operation.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT') });

  return fc
    .record({ method, pathValues, query, extraQuery, body, mutate: bodyMutation, contentType, key, requestId, extraHeaders })
    .map(({ method, pathValues, query, extraQuery, body, mutate, contentType, key, requestId, extraHeaders }) => {
      let index = 0;
      const path = operation.path.replace(/\{[^}]+\}/g, () => encode(pathValues[index++] ?? ''));
      const pairs = Object.entries(query).map(([name, value]) => `${encode(name)}=${encode(value ?? '')}`);
      if (extraQuery) pairs.push(`${encode(extraQuery[0])}=${encode(extraQuery[1])}`);
      const headers: Record<string, string> = { ...extraHeaders };
      if (key !== undefined) headers['x-api-key'] = key;
      if (requestId !== null) headers['x-request-id'] = printable(requestId);
      const withBody = body !== undefined && method !== 'GET' && method !== 'DELETE';
      if (withBody && contentType !== undefined) headers['content-type'] = contentType;
      return { method, url: pairs.length ? `${path}?${pairs.join('&')}` : path, headers, payload: withBody ? mutate(JSON.stringify(body) ?? 'null') : undefined };
    });
}

async function check(request: Generated): Promise<void> {
  const before = await databaseDigest(t.db);
  const res = await t.app.inject({
    method: request.method as InjectOptions['method'],
    url: request.url,
    headers: request.headers,
    ...(request.payload !== undefined ? { payload: request.payload } : {}),
  } as InjectOptions);
  const label = `${request.method} ${request.url} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, label).toBeLessThan(500);
  if (res.statusCode < 400) return;
  expect(res.headers['content-type'], label).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem, label).toMatchObject({ type: expect.any(String), title: expect.any(String), status: res.statusCode, detail: expect.any(String), code: expect.any(String) });
  expect(await databaseDigest(t.db), `${label}\nchanged the database`).toBe(before);
}

describe('every operation in the OpenAPI document, under arbitrary requests', () => {
  it('lists the operations it is about to test', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it('never a 5xx, always problem+json for a 4xx, nothing changed by a rejected request', async () => {
    for (const [index, operation] of operations.entries()) {
      await fc.assert(fc.asyncProperty(requestFor(operation), check), {
        numRuns: RUNS_PER_OPERATION,
        seed: SEED + index,
        endOnFailure: true,
      });
    }
  }, 600_000);
});
