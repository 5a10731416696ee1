// The lint rules that hold the architecture: each break below must fail `npm run lint`.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function ruleBreaks(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${file}` });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

describe('architecture boundaries', () => {
  it.each([
    ['src/core/x.ts', "import * as core from '@actions/core';\nexport const c = core;\n"],
    ['src/core/x.ts', 'export const env = process.env;\n'],
    ['src/core/x.ts', "import { run } from '../action/main.ts';\nexport const r = run;\n"],
    [
      'src/action/x.ts',
      "import { neutralise } from '../core/secrets/text.ts';\nexport const n = neutralise;\n",
    ],
    [
      'src/cli/x.ts',
      "import { parseInputs } from '../action/inputs.ts';\nexport const p = parseInputs;\n",
    ],
    // The holes: the process, files, child processes and the console, however reached.
    ['src/core/x.ts', 'export const env = globalThis.process.env;\n'],
    ['src/core/x.ts', "import { env } from 'node:process';\nexport const e = env;\n"],
    ['src/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    ['src/core/x.ts', "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n"],
    ['src/core/x.ts', "import { spawn } from 'node:child_process';\nexport const s = spawn;\n"],
    ['src/core/x.ts', "console.log('x');\n"],
    ['src/core/x.ts', "globalThis.console.log('x');\n"],
    ['src/cli/x.ts', "import * as core from '@actions/core';\nexport const c = core;\n"],
    // The core's layers: secrets < http < subject-token < ci < databricks.
    [
      'src/core/secrets/x.ts',
      "import { callRest } from '../http/rest.ts';\nexport const c = callRest;\n",
    ],
    [
      'src/core/http/x.ts',
      "import { givenToken } from '../subject-token/given.ts';\nexport const g = givenToken;\n",
    ],
    [
      'src/core/subject-token/x.ts',
      "import { parseHost } from '../databricks/host.ts';\nexport const p = parseHost;\n",
    ],
    [
      'src/core/ci/x.ts',
      "import { parseHost } from '../databricks/host.ts';\nexport const p = parseHost;\n",
    ],
    [
      'src/core/ci/sources/x.ts',
      "import { parseHost } from '../../databricks/host.ts';\nexport const p = parseHost;\n",
    ],
    ['src/core/x.ts', "export const fs = await import('node:fs');\n"],
  ])('%s: refuses %j', async (file, code) => {
    expect(await ruleBreaks(file, code)).not.toEqual([]);
  });

  it.each([
    [
      'src/core/http/x.ts',
      "import { neutralise } from '../secrets/text.ts';\nexport const n = neutralise;\n",
    ],
    [
      'src/core/databricks/x.ts',
      "import { decodeClaims } from '../subject-token/claims.ts';\nexport const d = decodeClaims;\n",
    ],
    [
      'src/core/subject-token/x.ts',
      "import { StageError } from '../errors.ts';\nexport const e = StageError;\n",
    ],
  ])('%s: allows a layer below, or the root, %j', async (file, code) => {
    expect(await ruleBreaks(file, code)).toEqual([]);
  });

  it.each(['index.ts', 'startup.ts'])('lets an edge import the core entry %s', async (entry) => {
    const code = `import { parseConfig } from '../core/${entry}';\nexport const p = parseConfig;\n`;
    expect(await ruleBreaks('src/cli/x.ts', code)).toEqual([]);
  });
});

/** What a module evaluates before it runs: its static imports, recursively (`import type` and
 * `import()` left out), as paths relative to the root or bare module names. */
function staticGraph(entry: string): Set<string> {
  const IMPORT = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm;
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const name = file.startsWith('/') ? relative(ROOT, file) : file;
    if (seen.has(name)) return;
    seen.add(name);
    if (!file.endsWith('.ts')) return;
    for (const [, spec = ''] of readFileSync(file, 'utf8').matchAll(IMPORT))
      visit(spec.startsWith('.') ? resolve(dirname(file), spec) : spec);
  };
  visit(resolve(ROOT, entry));
  return seen;
}

describe('the cached token path', () => {
  const heavy = ['src/core/http/transport.ts', '@actions/http-client', 'node:https', 'node:tls'];
  // The cache is keyed by the raw call, so a hit needs neither argument parsing nor the checks.
  const checks = ['src/cli/args.ts', 'src/cli/settings.ts', 'src/core/config.ts', 'node:util'];

  it.each(['src/core/startup.ts', 'src/cli/index.ts'])(
    '%s evaluates neither the transport, TLS, argument parsing nor the settings checks',
    (entry) => {
      const graph = staticGraph(entry);
      expect(graph.size).toBeGreaterThan(1);
      expect([...heavy, ...checks].filter((name) => graph.has(name))).toEqual([]);
      expect(graph.has('node:child_process')).toBe(false);
    },
  );

  it('is told apart from the full command, which does reach the transport', () => {
    const graph = staticGraph('src/cli/main.ts');
    expect(graph.has('src/core/http/transport.ts')).toBe(true);
    expect(graph.has('@actions/http-client')).toBe(true);
  });
});
