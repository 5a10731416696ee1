// Runs the bundled command line the way a CI job does: `node dist/cli.js …` as a child process with
// only the environment the job would have (plus Node 24 and the stand-in agents first on PATH).
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPieces } from '../support/leaks.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_ENTRY = join(ROOT, 'dist', 'cli.js');

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** PATH with this Node first (the stand-ins need Node 24 as `node`), then the extra directories. */
export function jobPath(...extra: string[]): string {
  return [dirname(process.execPath), ...extra, '/usr/bin', '/bin'].join(':');
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<CliRun> {
  if (Number(process.versions.node.split('.')[0]) < 24)
    throw new Error('run the tests on Node 24 (npm test does)');
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI_ENTRY, ...args],
      { env: { PATH: jobPath(), ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

/** Starts the command line without waiting for it (serve): lines of stdout and stderr as they come. */
export function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    env: { PATH: jobPath(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close', not 'exit': only then has all of its stdout and stderr been read.
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves once stdout holds a line matching `pattern`. */
    async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        const code = await Promise.race([
          exited,
          new Promise<undefined>((resolve) => child.stdout.once('data', () => resolve(undefined))),
        ]);
        if (code !== undefined) throw new Error(`exited ${code} before ${pattern}: ${stderr}`);
      }
    },
  };
}

/**
 * Lines that are a CI's own masking commands (GitHub, Azure), which carry the secret by design, or
 * the shell format's printed copies of them, which follow a mask line and so show masked.
 */
export function isMaskingLine(line: string): boolean {
  return (
    /^(::add-mask::|##vso\[task\.setsecret\])/.test(line) ||
    /^printf '(::|##)%s\\n' '(add-mask::|vso\[task\.setsecret\])/.test(line)
  );
}

/**
 * Every way a secret could escape: on stderr at all (but for GitHub's masking commands where the
 * run puts them there, `masksOnStderr`), on stdout outside masking commands unless it is one of
 * the values handed off on purpose, in a written file unless that file is the hand-off.
 */
export function cliLeaks(
  run: CliRun,
  secrets: string[],
  handedOff: string[] = [],
  files: Record<string, string> = {},
  masksOnStderr = false,
): string[] {
  const leaks: string[] = [];
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !isMaskingLine(line))
    .join('\n');
  const stderr = run.stderr
    .split('\n')
    .filter((line) => !(masksOnStderr && /^(::add-mask::|##vso\[task\.setsecret\])/.test(line)))
    .join('\n');
  // The action's stricter scan too: no piece of a secret (a cut or rewritten one is never masked).
  leaks.push(
    ...sharedPieces([['stdout', stdout], ['stderr', stderr], ...Object.entries(files)], secrets),
  );
  for (const secret of secrets.filter((value) => value.length >= 8)) {
    const label = `${secret.slice(0, 6)}…(${secret.length} chars)`;
    for (const form of [
      secret,
      Buffer.from(secret).toString('base64'),
      encodeURIComponent(secret),
    ]) {
      if (stderr.includes(form)) leaks.push(`stderr carries ${label}`);
      if (!handedOff.includes(secret) && stdout.includes(form))
        leaks.push(`stdout carries ${label}`);
      for (const [name, text] of Object.entries(files))
        if (!handedOff.includes(secret) && text.includes(form))
          leaks.push(`${name} carries ${label}`);
    }
  }
  return leaks;
}
