// export-env: metadata-service end to end: the bundled main step starts the detached service and
// ends; later steps (separate processes that know only the exported environment) use the official
// Python SDK and the JS SDK for several token lifetimes (seconds long, in the emulator); the post
// step stops the service. Every call succeeds, with far fewer exchanges than calls, and no leak.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPythonSdk, ORACLE_PRESENT, SDK_IMPORT } from '../conformance/python-sdk.ts';
import { findLeaks } from '../support/leaks.ts';
import { requestsTo, SP_APPLICATION_ID, useEmulator, useRunnerTemp } from './fixture.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const JS_LOOP = join(ROOT, 'test', 'action', 'sdk-loop.ts');
/** The official Python SDK: the oracle in ../shared, or databricks-sdk 0.133.0 from pip. */
const PY_SDK = await findPythonSdk();
// With the oracle beside the clone it must run; elsewhere one line says why the Python step did not.
if (typeof PY_SDK === 'string' && ORACLE_PRESENT) throw new Error(PY_SDK);
if (typeof PY_SDK === 'string') console.log(`The Python SDK step is not run: ${PY_SDK}`);
const PY_LOOP = `${SDK_IMPORT}
import json, time
from databricks.sdk import WorkspaceClient
calls, interval = int(sys.argv[1]), float(sys.argv[2])
w = WorkspaceClient()
ok, failure = 0, None
for _ in range(calls):
    try:
        w.current_user.me()
        ok += 1
    except Exception as error:
        failure = failure or str(error)
    time.sleep(interval)
print(json.dumps({"ok": ok, "calls": calls, "failure": failure, "authType": w.config.auth_type}))
`;

interface LoopResult {
  ok: number;
  calls: number;
  failure?: string | null;
  authType?: string;
}

/** A later step: only PATH, an empty HOME and the job's exported variables. */
function laterStep(
  command: string,
  args: string[],
  env: Record<string, string>,
  home: string,
): Promise<LoopResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        if (!line.startsWith('{')) reject(new Error(`${command}: ${error?.message}\n${stderr}`));
        else resolve(JSON.parse(line) as LoopResult);
      },
    );
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('export-env: metadata-service', () => {
  const fx = useEmulator();
  const temp = useRunnerTemp();

  it(
    'serves the Python and JS SDKs in later steps over several token lifetimes, then stops in the post step',
    { timeout: 180_000 },
    async () => {
      fx.addServicePrincipalPolicy();
      fx.emulator.github.lifetimeSeconds = 8; // GitHub's 5 minutes, compressed
      const inputs = {
        host: fx.emulator.workspace.url,
        'client-id': SP_APPLICATION_ID,
        'export-env': 'metadata-service',
      };
      // fx.run returns once the step's stdout and stderr have closed: a service that held them
      // would keep the step running (and time this test out).
      const main = await fx.run(inputs, { env: { RUNNER_TEMP: temp.dir } });
      expect(main.exitCode, main.stdout).toBe(0);
      expect(Object.keys(main.env).sort()).toEqual([
        'DATABRICKS_AUTH_TYPE',
        'DATABRICKS_HOST',
        'DATABRICKS_METADATA_SERVICE_URL',
      ]);
      expect(main.env['DATABRICKS_AUTH_TYPE']).toBe('metadata-service');
      const url = main.env['DATABRICKS_METADATA_SERVICE_URL'] ?? '';
      expect(new URL(url).hostname).toBe('127.0.0.1');
      expect(main.masks).toContain(url);
      expect(main.log.join('\n')).not.toContain(url);
      // The step has ended; the service it started has not.
      const pid = Number(main.state['metadata-service-pid']);
      expect(alive(pid)).toBe(true);
      // The runner's request token went over IPC, not into its environment (or argv).
      const started = `${readFileSync(`/proc/${pid}/environ`, 'utf8')}${readFileSync(`/proc/${pid}/cmdline`, 'utf8')}`;
      expect(started).not.toContain(fx.emulator.github.requestToken);
      expect(started).toContain('metadata-service');

      const exchangesBefore = requestsTo(fx.emulator, 'workspace.token').length;
      const scimBefore = requestsTo(fx.emulator, 'workspace.scim').length;
      const home = temp.dir;
      const [python, js] = await Promise.all([
        typeof PY_SDK === 'string'
          ? undefined
          : laterStep(
              PY_SDK.python,
              ['-c', PY_LOOP, '25', '1'],
              { ...main.env, ...PY_SDK.env },
              home,
            ),
        laterStep(process.execPath, [JS_LOOP, '25', '1000'], main.env, home),
      ]);
      // A short step after the long ones, with a token from a later lifetime.
      const short = await laterStep(process.execPath, [JS_LOOP, '1', '0'], main.env, home);
      if (python !== undefined)
        expect(python).toMatchObject({
          ok: 25,
          calls: 25,
          failure: null,
          authType: 'metadata-service',
        });
      expect(js).toMatchObject({ ok: 25, calls: 25, authType: 'metadata-service' });
      expect(js.failure).toBeUndefined();
      expect(short.ok).toBe(1);
      const calls = requestsTo(fx.emulator, 'workspace.scim').length - scimBefore;
      const exchanges = requestsTo(fx.emulator, 'workspace.token').length - exchangesBefore;
      expect(calls).toBe(51);
      // 25 s of 8-second tokens: about one exchange per half lifetime, not one per call.
      expect(exchanges).toBeGreaterThanOrEqual(3);
      expect(exchanges).toBeLessThanOrEqual(calls / 2);

      const post = await fx.run(inputs, {
        env: { RUNNER_TEMP: temp.dir },
        post: { state: main.state },
      });
      expect(post.exitCode).toBe(0);
      expect(alive(pid)).toBe(false);
      // Its log: what it did, and no secret (the tokens it served, the JWTs, the request token).
      const [dir = ''] = (await readdir(temp.dir)).filter((name) =>
        name.startsWith('databricks-oidc-'),
      );
      const log = await readFile(join(temp.dir, dir, 'metadata-service.log'), 'utf8');
      expect(log).toContain('Serving');
      const served = fx.emulator.issuedTokens.map((issued) => issued.token);
      const secrets = [...fx.emulator.secrets(), ...served, fx.emulator.github.requestToken];
      secrets.push(new URL(url).pathname.slice(1)); // the service's secret is its path
      expect(findLeaks({ ...post, stdout: log }, secrets)).toEqual([]);
    },
  );

  it('with pat-lifetime: one PAT, the main step’s and never one of the service; the post step revokes it and stops the service', async () => {
    fx.addServicePrincipalPolicy();
    const inputs = {
      host: fx.emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      'export-env': 'metadata-service',
      'pat-lifetime': '3600',
    };
    const main = await fx.run(inputs, { env: { RUNNER_TEMP: temp.dir } });
    expect(main.exitCode, main.stdout).toBe(0);
    expect(main.env).not.toHaveProperty('DATABRICKS_TOKEN');
    const live = fx.emulator.pats.live(SP_APPLICATION_ID);
    expect(live.map((pat) => pat.tokenId)).toEqual([main.outputs['pat-id']]);
    const pid = Number(main.state['metadata-service-pid']);
    expect(alive(pid)).toBe(true);
    const post = await fx.run(inputs, {
      env: { RUNNER_TEMP: temp.dir },
      post: { state: main.state },
    });
    expect(post.exitCode).toBe(0);
    expect(fx.emulator.pats.live(SP_APPLICATION_ID)).toEqual([]);
    expect(alive(pid)).toBe(false);
  });
});
