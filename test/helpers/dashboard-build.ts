import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = [join(ROOT, 'dashboard'), join(ROOT, 'src/domain/attribution/models.ts'), join(ROOT, 'package-lock.json')];
const CACHE = join(ROOT, 'node_modules/.cache/dashboard-test-builds');

/**
 * The dashboard built from the current sources, as `npm run build` would, into a directory named
 * by the sources' hash: test files share one build, and an edit is always rebuilt.
 * Several test processes may build at once; each renames its finished build into place.
 */
export async function builtDashboard(): Promise<string> {
  const directory = join(CACHE, sourceHash());
  if (existsSync(join(directory, 'index.html'))) return directory;
  mkdirSync(CACHE, { recursive: true });
  const partial = `${directory}.${process.pid}.partial`;
  await build({
    configFile: join(ROOT, 'dashboard/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: partial, emptyOutDir: true, reportCompressedSize: false },
  });
  try {
    renameSync(partial, directory);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another process finished first
  }
  return directory;
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(filesUnder).sort()) {
    hash.update(relative(ROOT, file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}
