// A job of hours in a minute: export-env: metadata-service with GitHub tokens of a few seconds
// instead of 300, and one SDK call per simulated second (each: a token from the service, then a
// request with it, as an SDK whose cached token went stale does). Reports the exchanges per
// simulated hour and the service's peak memory, beside export-env: oidc's one exchange per call.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addJobPolicy,
  JOB_SERVICE_PRINCIPAL,
  requestsTo,
  type Emulator,
} from '../test/emulator/index.ts';
import { parseFileCommand } from '../test/action/runner.ts';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));
/** GitHub's token life, which the short one stands for. */
const GITHUB_TOKEN_S = 300;
const PLANS = {
  smoke: { tokenSeconds: 5, realSeconds: 6 }, // 6 minutes of job, 360 calls
  full: { tokenSeconds: 6, realSeconds: 72 }, // an hour of job, 3600 calls
};

function node(entry: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [entry], { env }, (error) =>
      resolve(error === null ? 0 : Number(error.code ?? 1)),
    );
  });
}

/** Peak resident memory of a process (Linux), in MiB. */
function peakMiB(pid: number): number {
  const status = existsSync(`/proc/${pid}/status`)
    ? readFileSync(`/proc/${pid}/status`, 'utf8')
    : '';
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb / 1024;
}

export async function longJob(
  emulator: Emulator,
  dir: string,
  plan: keyof typeof PLANS,
): Promise<void> {
  const { tokenSeconds, realSeconds } = PLANS[plan];
  const speedup = GITHUB_TOKEN_S / tokenSeconds;
  emulator.reset();
  emulator.setLatency(0);
  addJobPolicy(emulator, { audiences: [`${emulator.workspace.url}/oidc/v1/token`] });
  emulator.github.lifetimeSeconds = tokenSeconds;
  const files = Object.fromEntries(
    ['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'].map((name) => [
      name,
      join(dir, `long-${name}`),
    ]),
  );
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')));
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    ...files,
    INPUT_HOST: emulator.workspace.url,
    'INPUT_CLIENT-ID': JOB_SERVICE_PRINCIPAL.applicationId,
    'INPUT_EXPORT-ENV': 'metadata-service',
    INPUT_SCOPE: 'all-apis',
    ACTIONS_ID_TOKEN_REQUEST_URL: emulator.github.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emulator.github.requestToken,
  };
  if ((await node(join(DIST, 'index.js'), env)) !== 0)
    throw new Error('long job: the main step failed');
  const exported = parseFileCommand(await readFile(files['GITHUB_ENV'] ?? '', 'utf8'));
  const state = parseFileCommand(await readFile(files['GITHUB_STATE'] ?? '', 'utf8'));
  const url = exported['DATABRICKS_METADATA_SERVICE_URL'] ?? '';
  const headers = {
    'X-Databricks-Metadata-Version': '1',
    'X-Databricks-Host': emulator.workspace.url,
  };
  const exchangesBefore = requestsTo(emulator, 'workspace.token').length;
  const calls = realSeconds * speedup;
  let failed = 0;
  const started = Date.now();
  for (let i = 0; i < calls; i++) {
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, started + (i * 1000) / speedup - Date.now())),
    );
    const answer = (await (await fetch(url, { headers })).json()) as { access_token?: string };
    const me = await fetch(`${emulator.workspace.url}/api/2.0/preview/scim/v2/Me`, {
      headers: { Authorization: `Bearer ${answer.access_token ?? ''}` },
    });
    if (me.status !== 200) failed++;
    await me.arrayBuffer();
  }
  const exchanges = requestsTo(emulator, 'workspace.token').length - exchangesBefore;
  const pid = Number(state['metadata-service-pid']);
  const memory = peakMiB(pid);
  await node(join(DIST, 'post', 'index.js'), {
    ...env,
    ...Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value])),
  });
  const hours = (realSeconds * speedup) / 3600;
  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  console.log(
    `\nLong job: ${tokenSeconds}-s tokens standing for GitHub's ${GITHUB_TOKEN_S} s (×${speedup}), ${fmt(hours * 60)} simulated minutes, one call per simulated second\n`,
  );
  console.log(
    '| export-env | calls | failed | exchanges | exchanges per hour | service peak RSS MB |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  console.log(
    `| metadata-service | ${calls} | ${failed} | ${exchanges} | ${fmt(exchanges / hours)} | ${fmt(memory)} |`,
  );
  console.log(
    `| oidc (one exchange per call, Python SDK) | ${calls} | – | ${calls} | 3600.0 | – |`,
  );
  if (failed > 0) throw new Error(`long job: ${failed} calls failed`);
}
