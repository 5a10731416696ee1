// The release workflow and what it ships: its order (nothing published before the suite passed,
// the major tag last), least privilege per job, pinned actions, and the files it builds, checked
// the way a user checks them (`sha256sum -c`).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RELEASE_NOTES, releaseAssets } from '../../tools/release-assets.ts';
import {
  changelogSection,
  CHECKSUMS,
  CLI_ASSET,
  packageVersion,
  unpinnedUses,
  usesLines,
} from '../../tools/release-files.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string): Promise<string> => readFile(join(ROOT, path), 'utf8');

interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  steps: Array<{ uses?: string; run?: string; with?: Record<string, string> }>;
}
const workflow = parse(await read('.github/workflows/release.yml')) as {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const { jobs } = workflow;
const needs = (job: Job | undefined): string[] => [job?.needs ?? []].flat();
/** Every job `name` waits for, directly or not. */
function upstream(name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (job: string): void => {
    for (const before of needs(jobs[job]).filter((name) => !seen.has(name))) {
      seen.add(before);
      visit(before);
    }
  };
  visit(name);
  return seen;
}
const runs = (job: Job | undefined): string =>
  (job?.steps ?? []).map((step) => step.run ?? '').join('\n');
const jobRunning = (pattern: RegExp): string => {
  const found = Object.keys(jobs).filter((name) => pattern.test(runs(jobs[name])));
  expect(found, String(pattern)).toHaveLength(1);
  return found[0] ?? '';
};

function sha256sumCheck(dir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile('sha256sum', ['-c', CHECKSUMS], { cwd: dir }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code), out: stdout + stderr }),
    ),
  );
}

describe('.github/workflows/release.yml', () => {
  it('runs on a vX.Y.Z tag, with no permission but those each job names', () => {
    expect(workflow.on.push.tags).toEqual(['v*.*.*']);
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of Object.entries(jobs))
      expect(job.permissions, `${name} names its permissions`).toBeDefined();
    const writers = Object.entries(jobs)
      .filter(([, job]) => Object.values(job.permissions ?? {}).includes('write'))
      .map(([name]) => name);
    expect(writers.sort()).toEqual(['github-release', 'major-tag', 'npm']);
    expect(jobs['verify']?.permissions).toEqual({ contents: 'read' });
  });

  it('runs the whole suite from a clean checkout before anything else', () => {
    const verify = jobRunning(/bash \.ci\/run/);
    expect(needs(jobs[verify])).toEqual([]);
    expect(jobs[verify]?.steps[0]?.uses).toMatch(/^actions\/checkout@/);
    for (const name of Object.keys(jobs).filter((job) => job !== verify))
      expect(upstream(name), name).toContain(verify);
  });

  it('checks the tarball on Node 22 and 24 before publishing it with provenance', () => {
    const npm = jobRunning(/npm publish/);
    expect(runs(jobs[npm])).toMatch(/npm publish "[^"]+\.tgz" --provenance --access public/);
    expect(jobs[npm]?.permissions).toEqual({ 'id-token': 'write' });
    const install = jobRunning(/npm install --offline/);
    expect((jobs[install] as { strategy?: unknown }).strategy).toEqual({
      matrix: { node: [22, 24] },
    });
    expect(upstream(npm)).toContain(install);
  });

  it('attests and releases databricks-oidc.cjs and SHA256SUMS, notes from CHANGELOG.md', () => {
    const release = jobRunning(/gh release create/);
    const attest = jobs[release]?.steps.find((step) =>
      step.uses?.startsWith('actions/attest-build-provenance@'),
    );
    expect(attest?.with?.['subject-path']?.trim().split('\n')).toEqual([
      `release/${CLI_ASSET}`,
      `release/${CHECKSUMS}`,
    ]);
    expect(runs(jobs[release])).toContain(`release/${CLI_ASSET} release/${CHECKSUMS}`);
    expect(runs(jobs[release])).toContain(`--notes-file release/${RELEASE_NOTES}`);
    expect(jobs[release]?.permissions).toEqual({
      contents: 'write',
      'id-token': 'write',
      attestations: 'write',
    });
    expect(runs(jobs['verify'])).toContain(
      'node tools/release-assets.ts "$RUNNER_TEMP/release" --tag',
    );
  });

  it('moves the major tag last, after every other job, and never for a pre-release', () => {
    const major = jobRunning(/git\/refs\/tags\/\$major/);
    expect(upstream(major)).toEqual(new Set(Object.keys(jobs).filter((name) => name !== major)));
    expect(jobs[major]?.if).toContain("contains(github.ref_name, '-')");
    expect(jobs[major]?.permissions).toEqual({ contents: 'write' });
  });

  it('pins every action to a full commit SHA with its version', async () => {
    for (const name of ['release.yml', 'ci.yml']) {
      const text = await read(`.github/workflows/${name}`);
      expect(usesLines(text).length, name).toBeGreaterThan(1);
      expect(unpinnedUses(text), name).toEqual([]);
    }
  });
});

describe('unpinnedUses', () => {
  it('accepts a full SHA with its # vX.Y.Z and local actions, nothing else', () => {
    const sha = '08c6903cd8c0fde910a37f88322edcfb5dd907a8';
    const workflow = [
      `      - uses: actions/checkout@${sha} # v5.0.0`,
      '      - uses: ./',
      '      - uses: actions/checkout@v5',
      '        uses: actions/setup-node@main',
      `      - uses: actions/checkout@${sha.slice(0, 12)} # v5.0.0`,
      `      - uses: actions/checkout@${sha}`,
      '      - uses: docker://alpine:3',
    ].join('\n');
    expect(unpinnedUses(workflow)).toEqual([
      '- uses: actions/checkout@v5',
      'uses: actions/setup-node@main',
      `- uses: actions/checkout@${sha.slice(0, 12)} # v5.0.0`,
      `- uses: actions/checkout@${sha}`,
      '- uses: docker://alpine:3',
    ]);
  });
});

describe('changelogSection', () => {
  const changelog = [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '## [1.2.0] - 2026-12-08',
    '',
    '### Fixed',
    '',
    '- One thing.',
    '',
    '## [1.1.0] - 2026-11-01',
    '',
    '- Older.',
    '## [1.0.0]',
    '',
    '[1.2.0]: https://example.test/compare',
  ].join('\n');

  it("is the version's section without its heading, up to the next one", () => {
    expect(changelogSection(changelog, '1.2.0')).toEqual({
      date: '2026-12-08',
      notes: '### Fixed\n\n- One thing.\n',
    });
    expect(changelogSection(changelog, '1.1.0').notes).toBe('- Older.\n');
  });

  it('fails for a version without a section, or with an empty one', () => {
    expect(() => changelogSection(changelog, '1.2')).toThrow(/no "## \[1\.2\] - YYYY-MM-DD"/);
    expect(() => changelogSection(changelog, '1.0.0')).toThrow(/section for 1\.0\.0 is empty/);
  });

  it("finds the package's own version in CHANGELOG.md", async () => {
    const version = packageVersion(ROOT);
    expect(changelogSection(await read('CHANGELOG.md'), version).notes.length).toBeGreaterThan(200);
  });
});

describe('the release assets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'release-assets-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('are databricks-oidc.cjs (dist/cli.js), SHA256SUMS that sha256sum -c accepts, the notes', async () => {
    expect(releaseAssets(ROOT, dir)).toEqual([CLI_ASSET, CHECKSUMS, RELEASE_NOTES]);
    expect(await readFile(join(dir, CLI_ASSET))).toEqual(await readFile(join(ROOT, 'dist/cli.js')));
    expect(await sha256sumCheck(dir)).toEqual({ code: 0, out: `${CLI_ASSET}: OK\n` });
    await writeFile(join(dir, CLI_ASSET), 'tampered\n');
    expect((await sha256sumCheck(dir)).code).not.toBe(0);
  });

  it("refuse a tag that is not the version, or a repository that is not package.json's", () => {
    const version = packageVersion(ROOT);
    expect(() => releaseAssets(ROOT, dir, 'v9.9.9', 'databricks-oidc/databricks-oidc')).toThrow(
      `the tag v9.9.9 is not package.json's version v${version}`,
    );
    expect(() => releaseAssets(ROOT, dir, `v${version}`, 'someone/else')).toThrow(
      "package.json's repository is databricks-oidc/databricks-oidc, but this runs in someone/else",
    );
  });
});

describe('.github/dependabot.yml', () => {
  it('proposes updates of the pinned actions (the SHA and its # vX.Y.Z together)', async () => {
    const config = parse(await read('.github/dependabot.yml')) as {
      updates: Array<{ 'package-ecosystem': string; directory: string }>;
    };
    expect(config.updates).toContainEqual(
      expect.objectContaining({ 'package-ecosystem': 'github-actions', directory: '/' }),
    );
  });
});
