// What a release is made of, in one place for the release workflow (tools/release-assets.ts), its
// dry run (tools/release-check.ts) and the tests: the npm tarball's files, the single-file CLI with
// its SHA256SUMS, the CHANGELOG section that becomes the release notes, and the rule that every
// action a workflow uses is pinned to a full commit SHA.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `npm pack`'s file list: `files` in package.json, plus the package.json npm always adds. */
export const PACKAGE_FILES = [
  'LICENSE',
  'README.md',
  'action.yml',
  'dist/cli.js',
  'dist/index.js',
  'dist/licenses.txt',
  'dist/metadata-service/index.js',
  'dist/package.json',
  'dist/post/index.js',
  'package.json',
];

/** The release asset: dist/cli.js under the name the recipes use (CommonJS, hence .cjs). */
export const CLI_ASSET = 'databricks-oidc.cjs';
export const CHECKSUMS = 'SHA256SUMS';

export function packageVersion(root: string): string {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return version;
}

/**
 * `owner/name` from package.json's `repository`: the one place the repository is named. Every
 * `uses:` line of the documentation is derived from it, and npm's provenance check needs it to be
 * the repository whose workflow publishes.
 */
export function repositorySlug(root: string): string {
  const { repository } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    repository?: { url?: string };
  };
  const slug = /^git\+https:\/\/github\.com\/([\w.-]+\/[\w.-]+?)\.git$/.exec(
    repository?.url ?? '',
  )?.[1];
  if (slug === undefined)
    throw new Error(
      'package.json needs "repository": { "url": "git+https://github.com/OWNER/NAME.git" }',
    );
  return slug;
}

export interface PackResult {
  tarball: string;
  files: string[];
}

/** `npm pack` of `root` into `dest`: the tarball's path and its sorted file list. */
export function packTarball(
  root: string,
  dest: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PackResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['pack', '--json', '--pack-destination', dest],
      { cwd: root, env, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`npm pack failed: ${stderr.trim()}`));
        const [report] = JSON.parse(stdout) as Array<{
          filename: string;
          files: Array<{ path: string }>;
        }>;
        if (report === undefined) return reject(new Error('npm pack reported no package'));
        const files = report.files.map((file) => file.path).sort();
        resolve({ tarball: join(dest, report.filename), files });
      },
    );
  });
}

/**
 * Copies the CLI bundle to `dest` as databricks-oidc.cjs and writes SHA256SUMS beside it, in the
 * format `sha256sum -c SHA256SUMS` reads.
 */
export function writeReleaseAssets(cliBundle: string, dest: string): string[] {
  mkdirSync(dest, { recursive: true });
  const asset = join(dest, CLI_ASSET);
  copyFileSync(cliBundle, asset);
  chmodSync(asset, 0o755);
  const digest = createHash('sha256').update(readFileSync(asset)).digest('hex');
  writeFileSync(join(dest, CHECKSUMS), `${digest}  ${CLI_ASSET}\n`);
  return [CLI_ASSET, CHECKSUMS];
}

export interface ChangelogSection {
  /** The heading's text after the version, such as `2026-12-08` or `unreleased`. */
  date: string;
  /** The release notes: the section without its heading. */
  notes: string;
}

/** The `## [X.Y.Z] - date` section of a Keep a Changelog file; throws when it is missing or empty. */
export function changelogSection(changelog: string, version: string): ChangelogSection {
  const lines = changelog.split('\n');
  const escaped = version.replace(/[.+]/g, '\\$&');
  const heading = new RegExp(`^## \\[${escaped}\\](?: - (.+))?$`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) throw new Error(`CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^## |^\[[^\]]+\]: /.test(line));
  const notes = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
  if (notes === '') throw new Error(`CHANGELOG.md's section for ${version} is empty`);
  return { date: heading.exec(lines[start] ?? '')?.[1]?.trim() ?? '', notes: `${notes}\n` };
}

export const isReleaseDate = (date: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(date);

/**
 * Every `uses:` of a workflow that is not a local action and not pinned to a full 40-hex commit
 * SHA with its `# vX.Y.Z` comment: a tag or a branch can be moved under the workflow.
 */
export function unpinnedUses(workflow: string): string[] {
  return usesLines(workflow)
    .filter(({ ref, comment }) => {
      if (ref.startsWith('./')) return false;
      if (ref.startsWith('docker://')) return !/@sha256:[0-9a-f]{64}$/.test(ref);
      return !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) || !/^v\d+\.\d+\.\d+$/.test(comment);
    })
    .map(({ line }) => line);
}

export function usesLines(workflow: string): Array<{ line: string; ref: string; comment: string }> {
  const found = [];
  for (const line of workflow.split('\n')) {
    const match = /^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)['"]?\s*(?:#\s*(\S+))?/.exec(line);
    if (match !== null)
      found.push({ line: line.trim(), ref: match[1] ?? '', comment: match[2] ?? '' });
  }
  return found;
}
