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

/** Every relative import of `file`, as a path from src/ with its .ts extension. */
const localImportsOf = (file: string) =>
  importsOf(file)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(SRC, join(file, '..', specifier)).replace(/\.js$/, '.ts'));

describe('module structure', () => {
  it('routes never import storage/: they go through services', () => {
    const offenders = sourceFiles(join(SRC, 'http', 'routes')).flatMap((file) =>
      localImportsOf(file)
        .filter((target) => target.startsWith('storage/'))
        .map((target) => `${relative(SRC, file)} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(sourceFiles(SRC).map((file) => [relative(SRC, file), localImportsOf(file)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (module: string, path: string[]) => {
      if (state.get(module) === 'done') return;
      if (state.get(module) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(module)), module].join(' → '));
        return;
      }
      state.set(module, 'visiting');
      for (const target of graph.get(module) ?? []) visit(target, [...path, module]);
      state.set(module, 'done');
    };
    for (const module of graph.keys()) visit(module, []);
    expect(cycles).toEqual([]);
  });

  it('the cycle check reads the real import graph', () => {
    // The check above passes vacuously if it never recognises an import; it must see the real graph.
    const edges = sourceFiles(SRC).flatMap((file) => localImportsOf(file));
    expect(edges).toContain('services/attribution/pending-work.ts');
    expect(edges.every((target) => !target.includes('..'))).toBe(true);
  });
});
