// A fresh build of a copy of the sources, compared byte for byte with a committed dist/: shared by
// the release dry run (tools/release-check.ts, HEAD's tree) and npm test
// (test/project/dist-fresh.test.ts, the working tree).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A copy of root's node_modules in tree (hard links where the file system allows). A symlink would
 * not do: the bundles' module IDs hash the modules' real paths, so a build through one differs from
 * the committed dist/.
 */
export function copyNodeModules(root: string, tree: string): void {
  const modules = [join(root, 'node_modules'), join(tree, 'node_modules')];
  try {
    execFileSync('cp', ['-al', ...modules], { stdio: 'ignore' });
  } catch {
    rmSync(modules[1] ?? '', { recursive: true, force: true });
    execFileSync('cp', ['-a', ...modules]);
  }
}

/** `npm run build` in tree: its sources into its dist/. */
export function buildTree(tree: string): void {
  execFileSync(process.execPath, [join(tree, 'tools', 'build.ts')], {
    cwd: tree,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** The files, relative to either directory, that one lacks or that differ in a byte. */
export function differingFiles(committed: string, fresh: string): string[] {
  const names = [...new Set([...filesUnder(committed), ...filesUnder(fresh)])].sort();
  return names.filter((name) => {
    try {
      return !readFileSync(join(committed, name)).equals(readFileSync(join(fresh, name)));
    } catch {
      return true;
    }
  });
}
