// One CI, one row: its variables are named in src/core/ci/ alone (the action may name GitHub's),
// and the row's own variables are enough for detection and the job name to agree on it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CI_CATALOG, type CiRow } from '../../src/core/ci/catalog.ts';
import {
  detectCi,
  detectSubjectToken,
  describeFailure,
  jobName,
  SecretRegistry,
} from '../../src/core/index.ts';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const LOCAL = jobName({});

/** Every variable a row names: markers (a tagged `X_*` as X), job parts, credentials, temp dir. */
function variablesOf(row: CiRow): string[] {
  const markers = row.markers.map((marker) => marker.replace(/_\*$/, ''));
  const own = [...markers, ...row.job.parts, ...row.credentials, row.tempDirectory ?? ''];
  return [...new Set(own)].filter(Boolean);
}

/** The name as a whole word; a tagged marker's also with any `_<tag>` after it. */
function named(row: CiRow, name: string): RegExp {
  const tagged = row.markers.includes(`${name}_*`);
  return new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9${tagged ? '' : '_'}])`);
}

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.split('\\').join('/'));
}

/** Where a file may name this row's variables. */
function mayName(file: string, row: CiRow): boolean {
  return file.startsWith('core/ci/') || (row.name === 'github' && file.startsWith('action/'));
}

/** `file: variable (ci)` for each variable of a row named where it may not be. */
function misplaced(files: readonly { file: string; text: string }[]): string[] {
  return files.flatMap(({ file, text }) =>
    CI_CATALOG.filter((row) => !mayName(file, row)).flatMap((row) =>
      variablesOf(row)
        .filter((name) => named(row, name).test(text))
        .map((name) => `src/${file}: ${name} (${row.name})`),
    ),
  );
}

describe('the CI catalog', () => {
  it('is the only place outside src/core/ci/ (and GitHub in src/action/) naming a CI variable', () => {
    const files = sourceFiles().map((file) => ({
      file,
      text: readFileSync(join(SRC, file), 'utf8'),
    }));
    expect(files.length).toBeGreaterThan(50);
    expect(misplaced(files)).toEqual([]);
  });

  it('would see one: a marker, a job variable or a credential, as a whole name', () => {
    expect(
      misplaced([
        { file: 'cli/x.ts', text: "env['TF_BUILD'] ?? env['BUILD_NUMBER']" },
        {
          file: 'action/x.ts',
          text: "env['GITHUB_ACTIONS'] ?? env['BUILDKITE_AGENT_ACCESS_TOKEN']",
        },
        { file: 'core/x.ts', text: "env['TFC_WORKLOAD_IDENTITY_TOKEN_DATABRICKS']" },
        { file: 'core/ci/x.ts', text: "env['GITLAB_CI']" },
        { file: 'cli/y.ts', text: "env['BITBUCKET_BUILD_NUMBERS'] ?? env['MY_GITLAB_CI']" },
      ]),
    ).toEqual([
      'src/cli/x.ts: TF_BUILD (azure-devops)',
      'src/cli/x.ts: BUILD_NUMBER (jenkins)',
      'src/action/x.ts: BUILDKITE_AGENT_ACCESS_TOKEN (buildkite)',
      'src/core/x.ts: TFC_WORKLOAD_IDENTITY_TOKEN (terraform-cloud)',
    ]);
  });

  it.each(CI_CATALOG.flatMap((row) => row.markers.map((marker) => [row.name, marker] as const)))(
    '%s: detectCi and jobName agree with %s alone set',
    (name, marker) => {
      const env = { [marker.replace(/_\*$/, '_DATABRICKS')]: 'x' };
      expect(detectCi(env)).toBe(name);
      const job = jobName(env);
      expect(job).not.toBe(LOCAL);
      const prefix = CI_CATALOG.find((row) => row.name === name)?.job.prefix;
      expect(job.startsWith(`${prefix}/`)).toBe(true);
    },
  );

  it.each(CI_CATALOG.map((row) => [row.name, row] as const))(
    '%s: detectCi and jobName agree with all its markers set',
    (name, row) => {
      const env = Object.fromEntries(
        row.markers.map((marker) => [marker.replace(/_\*$/, '_DATABRICKS'), 'x']),
      );
      expect(detectCi(env)).toBe(name);
      expect(jobName(env).startsWith(`${row.job.prefix}/`)).toBe(true);
    },
  );

  it('names every ambient CI, in detection order, when no token source is found', () => {
    let problem = '';
    try {
      detectSubjectToken(
        {
          env: {},
          readFile: () => Promise.reject(new Error('no file')),
          runCommand: () => Promise.resolve(undefined),
          secrets: new SecretRegistry(() => undefined),
        },
        { ci: 'auto', audience: undefined, tokenFile: undefined, tokenEnv: undefined },
      );
    } catch (error) {
      problem = describeFailure(error);
    }
    // The text is fixed (docs/TROUBLESHOOTING.md lists it): each row by its label's first word.
    const named = CI_CATALOG.filter((row) => row.ambient).map(
      (row) => row.label.split(' ')[0] ?? '',
    );
    const at = named.map((word) => problem.indexOf(word));
    expect(at.every((index) => index > problem.indexOf('and '))).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(problem).not.toContain('Kubernetes');
  });

  it('imports nothing, so the cached token path can read it without loading a source', () => {
    const text = readFileSync(join(SRC, 'core/ci/catalog.ts'), 'utf8');
    expect(text).not.toMatch(/^\s*import\b|\bfrom\s+['"]|\brequire\(|\bimport\(/m);
  });

  it('gives every row its own job-name prefix, so a name says which CI ran it', () => {
    const prefixes = CI_CATALOG.map((row) => row.job.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(prefixes).not.toContain(LOCAL.split('/')[0]);
  });
});
