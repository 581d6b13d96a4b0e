import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const domainRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/domain');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(domainRoot).map((path) => [relative(domainRoot, path), readFileSync(path, 'utf8')] as const);

describe('src/domain stays pure', () => {
  it.each(files)('%s imports only from src/domain, with .js suffixes', (path, source) => {
    const specifiers = [...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)].map(
      (match) => match[1] ?? match[2] ?? '',
    );
    for (const specifier of specifiers) {
      expect(specifier, `${path} imports ${specifier}`).toMatch(/^\.{1,2}\/.*\.js$/);
      const target = resolve(dirname(join(domainRoot, path)), specifier);
      expect(relative(domainRoot, target).startsWith('..'), `${path} imports ${specifier}`).toBe(false);
    }
  });

  it.each(files)('%s reads no clock, randomness or environment', (path, source) => {
    expect(source).not.toMatch(/Date\.now|new Date\b|Math\.random|process\.|performance\.now|require\(/);
  });

  it.each(files)('%s is under 250 lines', (_path, source) => {
    expect(source.split('\n').length).toBeLessThanOrEqual(250);
  });
});
