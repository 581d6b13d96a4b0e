import fc from 'fast-check';

/** The parts of an OpenAPI 3.1 schema the generators read. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  example?: unknown;
}

export interface Operation {
  method: string;
  path: string;
  pathParameters: string[];
  query: Record<string, JsonSchema>;
  body: JsonSchema | undefined;
}

/** Every operation of an OpenAPI document, with its parameters and body schema ($refs resolved). */
export function operationsOf(doc: { paths: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, JsonSchema> } }): Operation[] {
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined =>
    schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop()!] : schema;
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations as Record<string, { parameters?: { in: string; name: string; schema: JsonSchema }[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>).map(
      ([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        pathParameters: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: Object.fromEntries((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.schema])),
        body: resolve(operation.requestBody?.content['application/json']?.schema),
      }),
    ),
  );
}

/** Strings a careless or hostile client sends: every class issue 11 names, and then some. */
export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(
    '', ' ', '.', '..', '../..', '%', '%00', '%2e%2e', '%ZZ', '\u0000', 'a\u0000b', '\t', '\n', '\r\n', '\u0007', '\u007f', '\u0085',
    '\u202e', '\ud800', '\udfff', '💸', 'ß', 'İ', '__proto__', 'constructor', 'prototype', 'NaN', 'Infinity', '-1', '0', '1e308',
    '=cmd|/c calc', '+1', '@x', "' or 1=1 --", '"', '\\', `sk_${'x'.repeat(43)}`, 'x'.repeat(128), 'x'.repeat(129), 'y'.repeat(600),
    'USD', 'usd', 'JPY', 'XXX', 'won', 'lost', 'closer', 'markov', 'equal', 'role-based', 'true', 'false', 'null',
    '2024-01-15', '2024-02-30', '2024-01-15T10:00:00Z', '2024-01-15T10:00:00', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z',
    'p-fz', 'd-fz', 'e-fz', 'read', 'write', 'admin',
  ) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 1, 100, 1234.567, 99_999_999_999.99, 100_000_000_000.01, 71_000_000_000_000.02, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'a\u0000', '', 'id', 'x'.repeat(70)), fc.string({ maxLength: 8 }));

/** Any JSON value, hostile strings and numbers inside, a few levels deep. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** A value the schema would take, more or less: enough to get past the first check and reach deeper code. */
export function plausible(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return hostileValue;
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return fc.oneof(...variants.map((variant) => plausible(variant, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return schema.example !== undefined ? fc.oneof(fc.constant(schema.example), hostileString) : hostileString;
    case 'number':
    case 'integer':
      return schema.example !== undefined ? fc.oneof(fc.constant(schema.example), hostileNumber) : hostileNumber;
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fc.oneof(plausible(schema.items, depth + 1), hostileValue), { maxLength: 3 });
    case 'object':
      return objectOf(schema, depth);
    default:
      return hostileValue;
  }
}

function objectOf(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries(schema.properties ?? {});
  const known = fc.record(
    Object.fromEntries(properties.map(([name, property]) => [name, fc.oneof({ weight: 3, arbitrary: plausible(property, depth + 1) }, { weight: 1, arbitrary: hostileValue })])),
    { requiredKeys: [] },
  );
  const extra = fc.dictionary(hostileKey, hostileValue, { maxKeys: 2 });
  return fc.tuple(known, fc.option(extra, { freq: 4 })).map(([fields, unknown]) => ({ ...fields, ...(unknown ?? {}) }));
}

/** Ways to spoil a JSON body as text: prototype keys and deep nesting that `JSON.stringify` would never write, broken JSON. */
export const bodyMutation = fc.constantFrom(
  (text: string) => text,
  (text: string) => text,
  (text: string) => text,
  (text: string) => text.replace(/^\{/, '{"__proto__":{"polluted":1},'),
  (text: string) => text.replace(/^\{/, '{"constructor":{"prototype":{"polluted":1}},'),
  (text: string) => text.replace(/^\{/, `{"metadata":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)},`),
  (text: string) => text.replace(/^\{/, `{"events":[${'['.repeat(2000)}${']'.repeat(2000)}],`),
  (text: string) => text.slice(0, Math.max(0, text.length - 1)),
  (text: string) => `${text}${text}`,
  () => '',
  () => 'null',
  () => '[]',
  () => '"text"',
  () => '{"a":1e999999}',
);
