// The version lives in package.json alone: the build writes it into every bundle, so the command
// line's --version, the user agents the action and the command line send, and the job summary say
// what package.json says (tools/build.ts replaces src/core/version.ts's placeholder).
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requestsTo, SP_APPLICATION_ID, useEmulator } from '../action/fixture.ts';
import { useCliEmulator } from '../cli/fixture.ts';
import { CLI_ENTRY } from '../cli/runner.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

describe('the version', () => {
  it("is package.json's in dist/cli.js --version", async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [CLI_ENTRY, '--version'], (error, out) =>
        error === null ? resolve(out) : reject(error),
      ),
    );
    expect(stdout).toBe(`databricks-oidc ${version}\n`);
  });

  it('is written nowhere in src/ but package.json: the sources carry a placeholder', async () => {
    const files = (await readdir(join(ROOT, 'src'), { recursive: true })).filter((name) =>
      name.endsWith('.ts'),
    );
    const sources = await Promise.all(
      files.map((name) => readFile(join(ROOT, 'src', name), 'utf8')),
    );
    const literal = new RegExp(`(?<![\\d.])${version.replace(/\./g, '\\.')}(?![\\d.])`);
    expect(literal.test(`v${version}`)).toBe(true);
    expect(files.filter((_, i) => literal.test(sources[i] ?? ''))).toEqual([]);
    expect(sources.filter((text) => text.includes("'0.0.0-source'"))).toHaveLength(1);
    for (const bundle of ['cli.js', 'index.js', 'post/index.js'])
      expect(await readFile(join(ROOT, 'dist', bundle), 'utf8'), bundle).not.toContain(
        '0.0.0-source',
      );
  });
});

describe("the action's version", () => {
  const fx = useEmulator();

  it('is in its user agent and its job summary', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).toBe(0);
    const agents = requestsTo(fx.emulator, 'workspace.token').map((r) => r.headers['user-agent']);
    expect(agents).toEqual([`databricks-oidc-action/${version}`]);
    expect(run.summary).toContain(
      `<th align="left">Action version</th><td><code>databricks-oidc ${version}</code></td>`,
    );
  });

  it('is in the summary of a failed run', async () => {
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).toBe(1);
    expect(run.summary).toContain(`<td>databricks-oidc ${version}</td>`);
  });
});

describe("the command line's version", () => {
  const fx = useCliEmulator();

  it('is in its user agent', async () => {
    const run = await fx.run(['exec', '--', 'true'], fx.gitlabJob());
    expect(run.exitCode, run.stderr).toBe(0);
    const agents = requestsTo(fx.emulator, 'workspace.token').map((r) => r.headers['user-agent']);
    expect(agents).toEqual([`databricks-oidc-cli/${version}`]);
  });
});
