// The official Databricks SDK for Python (../shared/oracles/databricks-sdk-py, or a pip-installed
// databricks-sdk==0.133.0) run as a child process with Debian's python3: a client nobody here wrote.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ORACLE = join(ROOT, '..', 'shared', 'oracles', 'databricks-sdk-py');
const PROBE = fileURLToPath(new URL('sdk_probe.py', import.meta.url));
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const run = promisify(execFile);

/** Python that imports the SDK from wherever findPythonSdk found it (the oracle needs its prelude). */
export const SDK_IMPORT = `import os, sys
if os.environ.get("DATABRICKS_SDK_PY"):
    sys.path.insert(0, os.environ["DATABRICKS_SDK_PY"])
    import prelude
`;

export type SdkAnswer = { ok: true } & Record<string, unknown>;
export type SdkFailure = { ok: false; error: string; message: string };

export interface PythonSdk {
  /** Where the SDK came from, for the test names. */
  origin: string;
  /** The python3 to run, and the environment that finds the SDK (DATABRICKS_SDK_PY: the oracle). */
  python: string;
  env: Record<string, string>;
  /** Runs sdk_probe.py in a fresh process with exactly `env` (plus PATH): as a later step would. */
  probe(
    mode: 'auth' | 'apis',
    env: Record<string, string>,
    args?: object,
  ): Promise<SdkAnswer | SdkFailure>;
  /** Runs `python3 sdk_probe.py auth` as the argv of a command the CLI starts (exec, serve). */
  command(mode: 'auth'): { argv: string[]; env: Record<string, string> };
}

/** Whether ../shared holds the oracle: then a suite that cannot run it is broken, not skipped. */
export const ORACLE_PRESENT = existsSync(join(ORACLE, 'prelude.py'));

/** The SDK, or the one line that says why it cannot run here. */
export async function findPythonSdk(): Promise<PythonSdk | string> {
  const fromOracle = existsSync(join(ORACLE, 'prelude.py'));
  const base = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    PYTHONDONTWRITEBYTECODE: '1',
    ...(fromOracle ? { DATABRICKS_SDK_PY: ORACLE } : {}),
  };
  // A pip-installed SDK counts only at the oracle's version: another one is another contract.
  const check = fromOracle
    ? `import sys; sys.path.insert(0, ${JSON.stringify(ORACLE)}); import prelude, requests, google.protobuf, databricks.sdk`
    : "from databricks.sdk.version import __version__ as v; assert v == '0.133.0', 'databricks-sdk ' + v + ' is not 0.133.0'";
  try {
    await run(PYTHON, ['-c', check], { env: base });
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? error)
      .trim()
      .split('\n')
      .at(-1);
    return fromOracle
      ? `the Python SDK oracle needs python3-requests, python3-google-auth and python3-protobuf (${detail}): .ci/run installs them with apt`
      : `no ../shared/oracles/databricks-sdk-py and no pip-installed databricks-sdk (${detail})`;
  }
  return {
    origin: fromOracle ? 'oracle 0.133.0' : 'pip databricks-sdk',
    python: PYTHON,
    env: base,
    async probe(mode, env, args) {
      try {
        const { stdout } = await run(PYTHON, [PROBE, mode, JSON.stringify(args ?? {})], {
          env: { ...base, ...env },
          timeout: 60_000,
        });
        return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as SdkAnswer;
      } catch (error) {
        const stdout = String((error as { stdout?: string }).stdout ?? '').trim();
        const last = stdout.split('\n').at(-1) ?? '';
        if (last.startsWith('{')) return JSON.parse(last) as SdkFailure;
        return {
          ok: false,
          error: 'process',
          message: String((error as { stderr?: string }).stderr ?? error),
        };
      }
    },
    command: (mode) => ({ argv: [PYTHON, PROBE, mode], env: base }),
  };
}
