// `npm run emulator -- --ci NAME`: the emulator for one CI's job, whose printed environment lets
// dist/cli.js exchange as it would in that job (what a user does to try the CLI for their CI).
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CI_NAMES } from '../emulator/index.ts';
import { runCli, type CliRun } from './runner.ts';

const EMULATOR_CLI = fileURLToPath(new URL('../emulator/cli.ts', import.meta.url));

/** Starts the emulator CLI, reads its exports up to "# ready", runs `body`, then stops it. */
async function withEmulator<T>(
  args: string[],
  body: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const child = spawn(process.execPath, [EMULATOR_CLI, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    for await (const chunk of child.stdout) {
      out += String(chunk);
      if (out.includes('# ready\n')) break;
    }
    const env: Record<string, string> = {};
    for (const [, name = '', value = ''] of out.matchAll(
      /^export ([A-Z_0-9]+)='((?:[^']|'\\'')*)'$/gm,
    ))
      env[name] = value.replaceAll(`'\\''`, "'");
    return await body(env);
  } finally {
    child.kill('SIGTERM');
  }
}

/** The hand-off goes to a new file in a directory of its own, so that nothing prints the token. */
async function exchange(env: Record<string, string>): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'emulator-cli-'));
  return runCli(['exchange', '--format', 'json', '--output', join(dir, 'handoff.json')], {
    ...env,
    TMPDIR: dir,
  });
}

describe('npm run emulator -- --ci NAME', () => {
  it.each(['github', ...CI_NAMES])(
    '%s: the printed job environment exchanges as that job would',
    async (ci) => {
      const run = await withEmulator(['--ci', ci], exchange);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stderr).toContain('Databricks token received');
    },
  );

  it('--lifetime gives the CI tokens that lifetime', async () => {
    const run = await withEmulator(['--ci', 'gitlab', '--lifetime', '45'], exchange);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/expires in (4[0-5]) s, and the Databricks token cannot outlive it/);
  });
});
