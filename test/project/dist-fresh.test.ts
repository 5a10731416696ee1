// npm test fails when dist/ is not the bundle of src/: the e2e suites run dist/, so a stale one
// would test old code. A fresh build of the working tree's sources (tools/build.ts, in a copy with
// node_modules hard-linked, so that module IDs match) compared byte for byte with dist/: mtimes say
// nothing in a fresh clone.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTree, copyNodeModules, differingFiles } from '../../tools/fresh-build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What tools/build.ts reads besides node_modules. */
const BUILD_INPUTS = ['src', 'tools', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

const scratch = mkdtempSync(join(tmpdir(), 'dist-fresh-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('dist/', () => {
  it('is the bundle of src/, byte for byte', { timeout: 120_000 }, () => {
    const tree = join(scratch, 'tree');
    mkdirSync(tree);
    for (const input of BUILD_INPUTS)
      cpSync(join(ROOT, input), join(tree, input), { recursive: true });
    copyNodeModules(ROOT, tree);
    buildTree(tree);
    const differing = differingFiles(join(ROOT, 'dist'), join(tree, 'dist'));
    expect(
      differing,
      'dist/ is not the bundle of src/: run npm run build and commit dist/ (node tools/dist-diff.ts shows where)',
    ).toEqual([]);
  });
});

describe('the comparison', () => {
  const dirs = (files: Record<string, string>, name: string): string => {
    const dir = join(scratch, name);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  };

  it('names a file that differs in one byte, or that either side lacks', () => {
    const committed = dirs({ 'a.js': 'same', 'post/b.js': 'old', 'gone.js': 'x' }, 'committed');
    const fresh = dirs({ 'a.js': 'same', 'post/b.js': 'olD', 'new.js': 'y' }, 'fresh');
    expect(differingFiles(committed, fresh)).toEqual(['gone.js', 'new.js', 'post/b.js']);
  });

  it('finds nothing between identical trees', () => {
    const files = { 'cli.js': '#!/usr/bin/env node\n', 'post/index.js': '(()=>{})()' };
    expect(differingFiles(dirs(files, 'left'), dirs(files, 'right'))).toEqual([]);
  });
});
