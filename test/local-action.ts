// `npm run local-action`: GitHub's own local runner for actions, @github/local-action, runs the
// action's TypeScript source (src/action/main.ts, which exports run()) against the local emulator.
//
// local-action stubs @actions/core (its getIDToken is not implemented and it sets no
// ACTIONS_ID_TOKEN_REQUEST_* variables), so the documented way is to hand the action a JWT as
// oidc-token; here the emulator mints it. This action requests the GitHub token with its own HTTP
// call, so the second run also points ACTIONS_ID_TOKEN_REQUEST_* at the emulator through the .env.
//
// local-action's setFailed does not change its exit code, so success is judged here: the emulator
// issued a token to the service principal, the job summary was written, and no secret was printed.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  JOB_SERVICE_PRINCIPAL,
  addJobPolicy,
  startEmulator,
  type Emulator,
} from './emulator/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLIENT_ID = JOB_SERVICE_PRINCIPAL.applicationId;

interface Scenario {
  title: string;
  env: (emulator: Emulator) => Record<string, string>;
}

const scenarios: Scenario[] = [
  {
    title: 'a JWT minted by the emulator, passed as oidc-token',
    env: (emulator) => ({
      'INPUT_OIDC-TOKEN': emulator.github.mintJwt({
        aud: `${emulator.workspace.url}/oidc/v1/token`,
      }),
    }),
  },
  {
    title: 'the GitHub token request, ACTIONS_ID_TOKEN_REQUEST_* pointing at the emulator',
    env: (emulator) => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: emulator.github.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: emulator.github.requestToken,
    }),
  },
];

/** dotenv syntax: single quotes keep every character but a single quote, which no value here has. */
function dotenv(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}='${value}'\n`)
    .join('');
}

function runLocalAction(envFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/@github/local-action/bin/local-action.js'),
        '.',
        'src/action/main.ts',
        envFile,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env['PATH'] ?? ''}`,
          FORCE_COLOR: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function runScenario(emulator: Emulator, scenario: Scenario): Promise<string[]> {
  emulator.reset();
  addJobPolicy(emulator);
  const extraEnv = scenario.env(emulator);
  const dir = await mkdtemp(join(tmpdir(), 'local-action-'));
  try {
    const summaryFile = join(dir, 'summary.md');
    // A real runner provides the file commands; the action refuses to run without them.
    const fileCommands = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ENV: join(dir, 'env') };
    await Promise.all([summaryFile, ...Object.values(fileCommands)].map((f) => writeFile(f, '')));
    const envFile = join(dir, '.env');
    await writeFile(
      envFile,
      dotenv({
        // Hyphens stay hyphens in INPUT_ names, as the runner sets them.
        INPUT_HOST: emulator.workspace.url,
        'INPUT_CLIENT-ID': CLIENT_ID,
        GITHUB_STEP_SUMMARY: summaryFile,
        ...fileCommands,
        RUNNER_TEMP: dir,
        ...extraEnv,
      }),
    );
    console.log(`\n=== npm run local-action: ${scenario.title} ===\n`);
    const { code, output } = await runLocalAction(envFile);
    const problems: string[] = [];
    if (code !== 0) problems.push(`local-action exited with ${code}`);
    const issued = emulator.issuedTokens;
    if (issued.length !== 1 || issued[0]?.userName !== CLIENT_ID)
      problems.push(`expected one token issued to ${CLIENT_ID}, got ${issued.length}`);
    if (!(await readFile(summaryFile, 'utf8')).includes('<h3>Databricks OIDC credentials</h3>'))
      problems.push('the job summary was not written');
    for (const secret of [...emulator.secrets(), ...Object.values(extraEnv)])
      if (secret.length >= 8 && output.includes(secret))
        problems.push(`a secret was printed: ${secret.slice(0, 6)}…`);
    // local-action's banners and metadata tables are noise once it works: then show the action's
    // part. Each line is indented, so a runner running this script takes none for a workflow command.
    const actionPart = output.indexOf('Running Action');
    const shown = problems.length > 0 || actionPart < 0 ? output : output.slice(actionPart);
    console.log(shown.replace(/^/gm, '  │ '));
    return problems.map((problem) => `${scenario.title}: ${problem}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const emulator = await startEmulator();
try {
  const problems: string[] = [];
  for (const scenario of scenarios) problems.push(...(await runScenario(emulator, scenario)));
  console.log('');
  if (problems.length > 0) {
    for (const problem of problems) console.error(`local-action smoke FAILED: ${problem}`);
    process.exitCode = 1;
  } else {
    console.log(`local-action smoke: ${scenarios.length} runs of src/action/main.ts passed`);
  }
} finally {
  await emulator.close();
}
