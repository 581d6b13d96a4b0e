import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(directory, entry.name)) : entry.name.endsWith('.ts') ? [join(directory, entry.name)] : [],
  );
}

const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1]!);

/** Which layers each layer may not import: dependencies point inward. */
const FORBIDDEN: Record<string, RegExp> = {
  domain: /^(fastify|kysely|better-sqlite3|pg|ioredis|zod|@fastify)|\/(storage|services|http|cli)\//,
  storage: /^(fastify|@fastify|zod)|\/(services|http|cli)\//,
  services: /^(fastify|@fastify)|\/(http|cli)\//,
};

describe('import direction', () => {
  for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
    it(`${layer}/ imports nothing from outer layers`, () => {
      const offenders = sourceFiles(join(SRC, layer)).flatMap((file) =>
        importsOf(file)
          .filter((specifier) => forbidden.test(specifier.startsWith('.') ? `/${join(relative(SRC, join(file, '..')), specifier)}` : specifier))
          .map((specifier) => `${relative(SRC, file)} → ${specifier}`),
      );
      expect(offenders).toEqual([]);
    });
  }
});
