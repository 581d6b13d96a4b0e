import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/** Issue 11, point 9: reproducible installs, with no engine warning on the Node 20 we support. */
const root = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string };
}

describe('the lockfile', () => {
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockEntry> };
  const manifest = JSON.parse(read('package.json')) as { engines: { node: string } };
  const oldestNode = semver.minVersion(manifest.engines.node)!.version;

  it(`every runtime dependency runs on the oldest Node we support (${oldestNode})`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev && entry.engines?.node !== undefined)
      .filter(([, entry]) => !semver.satisfies(oldestNode, entry.engines!.node!))
      .map(([path, entry]) => `${path}@${entry.version} needs node ${entry.engines!.node}`);
    expect(refusing).toEqual([]);
  });

  it('matches package.json, and CI installs from it with npm ci', () => {
    const rootEntry = JSON.parse(read('package-lock.json')).packages[''] as Record<string, unknown>;
    const pkg = JSON.parse(read('package.json')) as Record<string, unknown>;
    expect(rootEntry.dependencies).toEqual(pkg.dependencies);
    expect(rootEntry.devDependencies).toEqual(pkg.devDependencies);
    const ci = read('.ci/run');
    expect(ci).toMatch(/^\s*npm ci\b/m);
    expect(ci).not.toMatch(/^\s*npm install\b/m);
  });
});
