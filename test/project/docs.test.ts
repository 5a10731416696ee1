// The documentation is part of the interface: action.yml, the README's tables and examples, and
// docs/TROUBLESHOOTING.md must say what the code does, and each other, and cover every error.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseInputs } from '../../src/action/inputs.ts';
import { actionOutputs } from '../../src/action/outputs.ts';
import type { Credentials } from '../../src/core/index.ts';
import { DEFAULT_DATABASE, DEFAULT_LAKEBASE_TTL, DEFAULT_SCOPE } from '../../src/core/config.ts';
import { repositorySlug } from '../../tools/release-files.ts';
import { SECRET_OUTPUTS } from '../support/leaks.ts';
import { CLI_MESSAGES, errorMessages, stageLabels, type ErrorMessage } from './error-messages.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Manifest {
  name?: string;
  description?: string;
  author?: string;
  branding?: { icon?: string; color?: string };
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using?: string; main?: string };
}

const manifest = parse(read('action.yml')) as Manifest;
const inputNames = Object.keys(manifest.inputs);
const outputNames = Object.keys(manifest.outputs);
const readme = read('README.md');

/** The rows of the first table under `## <heading>`, as trimmed cells. */
function tableUnder(markdown: string, heading: string): string[][] {
  const section = markdown.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0];
  if (section === undefined) throw new Error(`no "## ${heading}" section`);
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  return rows.slice(2); // header and separator
}

const unquote = (cell: string): string => cell.replace(/^`(.*)`$/, '$1');

/** What the README's Default column must say for an input of action.yml. */
function expectedDefault(spec: Manifest['inputs'][string]): string {
  if (spec.default !== undefined) return `\`${spec.default}\``;
  if (spec.required === true) return '(required)';
  const stated = /Default: ([^\s.]+)\.(\s|$)/.exec(spec.description ?? '')?.[1];
  if (stated !== undefined) return `\`${stated}\``;
  if (/Default:/.test(spec.description ?? '')) return 'see description';
  return '';
}

describe('action.yml', () => {
  it('has a name, description, author and valid branding', () => {
    expect(manifest.name).toBeTruthy();
    expect(manifest.description).toBeTruthy();
    expect(manifest.author).toBeTruthy();
    expect(manifest.branding?.icon).toMatch(/^[a-z0-9-]+$/);
    expect([
      'white',
      'black',
      'yellow',
      'blue',
      'green',
      'orange',
      'red',
      'purple',
      'gray-dark',
    ]).toContain(manifest.branding?.color);
  });

  it('runs the committed bundle on Node 24', () => {
    expect(manifest.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()',
    });
    expect(existsSync(join(ROOT, 'dist', 'index.js'))).toBe(true);
  });

  it('describes every input and output, and says whether each input is required', () => {
    for (const [name, spec] of Object.entries(manifest.inputs)) {
      expect(spec.description?.trim(), name).toBeTruthy();
      expect(typeof spec.required, name).toBe('boolean');
    }
    for (const [name, spec] of Object.entries(manifest.outputs))
      expect(spec.description?.trim(), name).toBeTruthy();
  });

  it('states the defaults the code applies', () => {
    const spec = manifest.inputs;
    expect(spec['scope']?.default).toBe(DEFAULT_SCOPE);
    expect(spec['lakebase-database']?.description).toContain(`Default: ${DEFAULT_DATABASE}.`);
    expect(spec['lakebase-ttl']?.description).toContain(`Default: ${DEFAULT_LAKEBASE_TTL}.`);
    const withDefaults = parseInputs((name) =>
      name === 'host' ? 'dbc-1.cloud.databricks.com' : (spec[name]?.default ?? ''),
    );
    expect(withDefaults.exportEnv).toBe('token');
    expect(withDefaults.exportEnv).toBe(spec['export-env']?.default);
  });

  it('declares exactly the inputs the code reads', () => {
    const reads = new Set<string>();
    parseInputs((name) => {
      reads.add(name);
      return name === 'host' ? 'dbc-1.cloud.databricks.com' : '';
    });
    expect([...reads].sort()).toEqual([...inputNames].sort());
  });

  it('declares exactly the outputs the code sets, in the same order', () => {
    const result: Credentials = {
      target: {
        host: { url: 'https://dbc-1.cloud.databricks.com', hostname: 'dbc-1', kind: 'workspace' },
        kind: 'workspace',
        accountId: undefined,
        workspaceId: undefined,
        tokenEndpoint: 'https://dbc-1.cloud.databricks.com/oidc/v1/token',
        audience: 'https://dbc-1.cloud.databricks.com/oidc/v1/token',
        audienceSource: 'token endpoint',
      },
      clientId: undefined,
      claims: undefined,
      token: { accessToken: 'token', expiresAt: undefined },
      database: {
        host: 'db.example.test',
        port: 5432,
        database: 'databricks_postgres',
        user: 'user',
        password: 'password',
        expiresAt: undefined,
        url: 'postgresql://…',
        jdbcUrl: 'jdbc:postgresql://…',
      },
      tokens: {
        pat: { value: 'dapi', id: 'id', expiresAt: undefined, comment: 'c' },
        oboMint: {
          principal: { id: '1', applicationId: 'a', displayName: 'P' },
          token: { value: 'dapi2', id: 'id2', expiresAt: undefined, comment: 'c' },
        },
        oboPrune: undefined,
      },
    };
    expect(Object.keys(actionOutputs(result))).toEqual(outputNames);
  });

  it('says which outputs are secret', () => {
    for (const name of SECRET_OUTPUTS)
      expect(manifest.outputs[name]?.description, name).toMatch(/masked|secret/);
  });
});

describe('README', () => {
  it('lists every input of action.yml in order, with its default', () => {
    const rows = tableUnder(readme, 'Inputs');
    expect(rows.map(([name]) => unquote(name ?? ''))).toEqual(inputNames);
    for (const [name = '', defaultCell] of rows)
      expect(defaultCell, unquote(name)).toBe(
        expectedDefault(manifest.inputs[unquote(name)] ?? {}),
      );
  });

  it('lists every output of action.yml in order, and which are secret', () => {
    const rows = tableUnder(readme, 'Outputs');
    expect(rows.map(([name]) => unquote(name ?? ''))).toEqual(outputNames);
    for (const [name = '', secret] of rows)
      expect(secret, unquote(name)).toBe(SECRET_OUTPUTS.has(unquote(name)) ? 'yes' : 'no');
  });

  it('uses only declared inputs and outputs in its examples', () => {
    const blocks = [...readme.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(blocks.length).toBeGreaterThan(3);
    const uses: Array<Record<string, unknown>> = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        const step = node as Record<string, unknown>;
        const ref = step['uses'];
        if (
          typeof ref === 'string' &&
          (ref.startsWith(`${repositorySlug(ROOT)}@`) || /^\.\/?$/.test(ref))
        )
          uses.push(step);
        Object.values(step).forEach(walk);
      }
    };
    for (const block of blocks)
      for (const document of parseAllDocuments(block)) walk(document.toJS());
    expect(uses.length).toBeGreaterThan(3);
    for (const step of uses)
      for (const key of Object.keys((step['with'] ?? {}) as object))
        expect(inputNames, `with: ${key}`).toContain(key);
    const referenced = [...readme.matchAll(/steps\.[\w-]+\.outputs\.([\w-]+)/g)].map((m) => m[1]);
    expect(referenced.length).toBeGreaterThan(0);
    for (const name of referenced) expect(outputNames, `outputs.${name}`).toContain(name);
  });
});

describe('docs/TROUBLESHOOTING.md', () => {
  const labels = stageLabels();
  const messages = errorMessages();

  /** `### \`message\`` headings by the `## …` section they are in. */
  function entries(): Map<string, Set<string>> {
    const sections = new Map<string, Set<string>>();
    let current: Set<string> | undefined;
    for (const line of read('docs/TROUBLESHOOTING.md').split('\n')) {
      const section = /^## (.+)$/.exec(line)?.[1];
      if (section !== undefined) sections.set(section, (current = new Set()));
      const entry = /^### `(.+)`$/.exec(line)?.[1];
      if (entry !== undefined) current?.add(entry);
    }
    return sections;
  }

  const sectionOf = ({ stage, section }: ErrorMessage): string =>
    section ?? (stage === undefined ? 'Any step' : `${labels.get(stage) ?? stage} failed`);

  it('finds the messages in the source (the extraction works)', () => {
    expect(labels.get('inputs')).toBe('Reading inputs');
    const patterns = messages.map((message) => message.pattern);
    expect(patterns).toContain('host is empty');
    expect(patterns).toContain('client-id … is not a UUID');
    expect(patterns).toContain('Databricks refused the token (HTTP …)');
    expect(patterns).toContain('… did not succeed after … attempt… (last: …)');
    expect(patterns.some((pattern) => pattern.startsWith('Unexpected internal error'))).toBe(true);
    expect(messages.length).toBeGreaterThan(40);
  });

  it("finds the command line's own messages (usage errors, a command it cannot start, serve's answers, masking notes)", () => {
    const bySection = (section: string): string[] =>
      messages.filter((message) => message.section === section).map((message) => message.pattern);
    const usage = bySection('Command line usage');
    expect(usage).toContain('unknown flag … for …; valid: …');
    expect(usage).toContain('unknown command "…"; valid commands: … (or --help, --version)');
    expect(usage).toContain('… (… flags: …)');
    expect(usage.length).toBeGreaterThanOrEqual(7);
    expect(bySection('Starting the command (exec, serve)')).toEqual(['Cannot run …: …']);
    expect(bySection('The metadata service (serve)')).toContain(
      'X-Databricks-Metadata-Version must be 1',
    );
    for (const { section } of CLI_MESSAGES)
      expect(bySection(section).length, section).toBeGreaterThan(0);
  });

  it('has an entry for every error the action can print, under the step that prints it', () => {
    const documented = entries();
    const missing = messages
      .filter((message) => !documented.get(sectionOf(message))?.has(message.pattern))
      .map((message) => `## ${sectionOf(message)} / ### \`${message.pattern}\` (${message.at})`);
    expect(missing).toEqual([]);
  });

  it('has no entry for an error the action no longer prints', () => {
    const known = new Set(messages.map((message) => `${sectionOf(message)}\n${message.pattern}`));
    const stale: string[] = [];
    for (const [section, patterns] of entries())
      for (const pattern of patterns)
        if (!known.has(`${section}\n${pattern}`)) stale.push(`## ${section} / ### \`${pattern}\``);
    expect(stale).toEqual([]);
  });
});

describe('links between the documents', () => {
  it('resolve to files of the repository', () => {
    const documents = [
      'README.md',
      'SECURITY.md',
      'CONTRIBUTING.md',
      'CHANGELOG.md',
      'docs/TROUBLESHOOTING.md',
    ];
    const broken: string[] = [];
    for (const document of documents) {
      const text = read(document);
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = join(ROOT, dirname(document), target.split('#')[0] ?? '');
        if (!existsSync(path)) broken.push(`${document} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
    expect(readme).toContain('](docs/TROUBLESHOOTING.md)');
    expect(readme).toContain('](SECURITY.md)');
  });
});
