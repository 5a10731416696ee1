// node tools/release-assets.ts OUT_DIR [--tag vX.Y.Z]: the GitHub release's files for package.json's
// version: databricks-oidc.cjs (dist/cli.js), SHA256SUMS and release-notes.md (its CHANGELOG.md
// section). With --tag (the release workflow) the tag must be v<version>, the section dated, and
// package.json's repository the one running the workflow (GITHUB_REPOSITORY), as npm's provenance
// check demands. tools/release-check.ts runs the same code without --tag.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  changelogSection,
  isReleaseDate,
  packageVersion,
  repositorySlug,
  writeReleaseAssets,
} from './release-files.ts';

export const RELEASE_NOTES = 'release-notes.md';

/** Writes the assets and the notes for `root` into `dest`; throws with the fix when it cannot. */
export function releaseAssets(
  root: string,
  dest: string,
  tag?: string,
  runningIn = process.env['GITHUB_REPOSITORY'],
): string[] {
  const version = packageVersion(root);
  const slug = repositorySlug(root);
  if (tag !== undefined && tag !== `v${version}`)
    throw new Error(`the tag ${tag} is not package.json's version v${version}: tag v${version}`);
  if (tag !== undefined && runningIn !== slug)
    throw new Error(
      `package.json's repository is ${slug}, but this runs in ${runningIn ?? 'no repository'}: set repository.url to this repository`,
    );
  const section = changelogSection(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version);
  if (tag !== undefined && !isReleaseDate(section.date))
    throw new Error(
      `CHANGELOG.md's heading for ${version} says "${section.date}": date it "## [${version}] - YYYY-MM-DD"`,
    );
  const files = writeReleaseAssets(join(root, 'dist', 'cli.js'), dest);
  writeFileSync(join(dest, RELEASE_NOTES), section.notes);
  return [...files, RELEASE_NOTES];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, flag, tag] = process.argv.slice(2);
  if (out === undefined || (flag !== undefined && (flag !== '--tag' || tag === undefined))) {
    console.error('usage: node tools/release-assets.ts OUT_DIR [--tag vX.Y.Z]');
    process.exit(2);
  }
  try {
    const root = fileURLToPath(new URL('..', import.meta.url));
    for (const name of releaseAssets(root, resolve(out), tag)) console.log(join(out, name));
  } catch (error) {
    console.error(`release-assets: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
