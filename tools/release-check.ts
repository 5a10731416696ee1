// npm run release-check: the release workflow's dry run, for the commit at HEAD, as a tag of it would
// ship. Everything .github/workflows/release.yml does except publishing and tagging: a clean build
// of HEAD compared with its committed dist/, `npm pack` and its file list, the release assets
// (databricks-oidc.cjs, SHA256SUMS) checked with `sha256sum -c`, the CHANGELOG section that becomes
// the release notes, and every workflow's actions pinned to a full commit SHA. .ci/run runs it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTree, copyNodeModules, differingFiles } from './fresh-build.ts';
import { RELEASE_NOTES, releaseAssets } from './release-assets.ts';
import {
  changelogSection,
  CHECKSUMS,
  CLI_ASSET,
  isReleaseDate,
  PACKAGE_FILES,
  packageVersion,
  packTarball,
  unpinnedUses,
  usesLines,
} from './release-files.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = (file: string, args: string[], cwd: string): string =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

class CheckFailed extends Error {}
function fail(message: string): never {
  throw new CheckFailed(message);
}

/** HEAD's tree, as `actions/checkout` of the tag gives it, with a copy of this clone's node_modules. */
function checkoutHead(into: string): string {
  const tree = join(into, 'tree');
  mkdirSync(tree);
  execFileSync('sh', ['-c', 'git archive --format=tar HEAD | tar -x -C "$1"', 'sh', tree], {
    cwd: ROOT,
  });
  copyNodeModules(ROOT, tree);
  return tree;
}

/** A fresh build of the tree must give its committed dist/ byte for byte. */
function checkDist(tree: string, scratch: string): void {
  const committed = join(scratch, 'committed-dist');
  cpSync(join(tree, 'dist'), committed, { recursive: true });
  buildTree(tree);
  const differing = differingFiles(committed, join(tree, 'dist'));
  if (differing.length > 0)
    fail(
      `dist/ of HEAD differs from a clean build in ${differing.join(', ')}: run npm run build and commit dist/ (node tools/dist-diff.ts shows where)`,
    );
  console.log('ok   dist/ is a clean build of HEAD');
}

async function checkPack(tree: string, scratch: string, version: string): Promise<void> {
  const { tarball, files } = await packTarball(tree, scratch);
  const expected = PACKAGE_FILES.join(', ');
  if (files.join(', ') !== expected)
    fail(`npm pack holds ${files.join(', ')}; expected ${expected} (package.json "files")`);
  if (!tarball.endsWith(`databricks-oidc-${version}.tgz`)) fail(`npm pack wrote ${tarball}`);
  console.log(`ok   npm pack: ${relative(scratch, tarball)}, ${files.length} files`);
}

/** Builds the release assets and checks them as a user would; returns the CHANGELOG heading's date. */
function checkAssets(tree: string, scratch: string, version: string): string {
  const dest = join(scratch, 'release');
  const names = releaseAssets(tree, dest);
  const verified = run('sha256sum', ['-c', CHECKSUMS], dest).trim();
  if (verified !== `${CLI_ASSET}: OK`) fail(`sha256sum -c ${CHECKSUMS} said: ${verified}`);
  const reported = run(process.execPath, [join(dest, CLI_ASSET), '--version'], dest).trim();
  if (reported !== `databricks-oidc ${version}`)
    fail(`${CLI_ASSET} --version says "${reported}", package.json says ${version}`);
  const notes = readFileSync(join(dest, RELEASE_NOTES), 'utf8');
  const { date } = changelogSection(readFileSync(join(tree, 'CHANGELOG.md'), 'utf8'), version);
  console.log(`ok   release assets: ${names.join(', ')}; sha256sum -c: ${verified}`);
  console.log(
    `ok   release notes: CHANGELOG.md's ${version} section, ${notes.split('\n').length} lines`,
  );
  if (!isReleaseDate(date))
    console.log(
      `note its heading says "${date}": date it (## [${version}] - YYYY-MM-DD) before tagging`,
    );
  return date;
}

function checkPins(tree: string): void {
  const dir = join(tree, '.github', 'workflows');
  const workflows = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
  if (!workflows.includes('release.yml')) fail('.github/workflows/release.yml is missing');
  let count = 0;
  for (const name of workflows) {
    const text = readFileSync(join(dir, name), 'utf8');
    count += usesLines(text).length;
    const loose = unpinnedUses(text);
    if (loose.length > 0)
      fail(`${name}: pin each action to a full commit SHA with its # vX.Y.Z: ${loose.join('; ')}`);
  }
  console.log(`ok   ${count} uses: in ${workflows.length} workflows, each pinned to a commit SHA`);
}

const head = run('git', ['rev-parse', 'HEAD'], ROOT).trim();
const dirty = run('git', ['status', '--porcelain', '--untracked-files=no'], ROOT).trim() !== '';
const scratch = mkdtempSync(join(tmpdir(), 'release-check-'));
try {
  const tree = checkoutHead(scratch);
  const version = packageVersion(tree);
  console.log(
    `release-check: v${version} from HEAD ${head.slice(0, 12)} (nothing is published or tagged)`,
  );
  if (dirty) console.log('note uncommitted changes are not checked: a release ships HEAD only');
  checkPins(tree);
  const date = checkAssets(tree, scratch, version);
  await checkPack(tree, scratch, version);
  checkDist(tree, scratch);
  const when = isReleaseDate(date) ? '' : ' once its CHANGELOG heading is dated';
  console.log(`release-check: v${version} is ready to tag${when} (git tag -a v${version})`);
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  console.error(`release-check: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
