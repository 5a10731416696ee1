// `npm run demo`: the action against the local emulator, shown as a workflow log would show it.
// With Debian's PostgreSQL installed (npm test's pretest installs it), a Lakebase credential is
// minted too and psql logs in with it.
import { execFileSync } from 'node:child_process';
import { JOB_SERVICE_PRINCIPAL, addJobPolicy, startEmulator } from './emulator/index.ts';
import { startPostgres, type PostgresServer } from './postgres/server.ts';
import { runAction, type ActionRun } from './action/runner.ts';

const CLIENT_ID = JOB_SERVICE_PRINCIPAL.applicationId;

/** What the runner does with ::add-mask::: every registered value becomes ***. */
function masked(run: ActionRun, text: string): string {
  return [...run.masks]
    .sort((a, b) => b.length - a.length)
    .reduce((out, secret) => out.replaceAll(secret, '***'), text);
}

async function tryPostgres(): Promise<PostgresServer | undefined> {
  try {
    return await startPostgres();
  } catch (error) {
    console.log(`(no Lakebase part: PostgreSQL did not start: ${String(error).split('\n')[0]})`);
    return undefined;
  }
}

const emulator = await startEmulator();
const postgres = await tryPostgres();
try {
  addJobPolicy(emulator);
  const inputs: Record<string, string> = { host: emulator.workspace.url, 'client-id': CLIENT_ID };
  if (postgres) {
    emulator.lakebase.onCredential = (c) =>
      postgres.setLoginPassword(c.userName, c.token, c.expiresAt);
    emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: postgres.host,
    });
    inputs['lakebase-instance'] = 'orders-db';
  }
  console.log(`Inputs: ${JSON.stringify(inputs)}\n`);
  const run = await runAction(inputs, {
    idToken: { url: emulator.github.requestUrl, token: emulator.github.requestToken },
  });
  console.log('--- step log (as the runner shows it, masks applied) ---');
  console.log(masked(run, run.stdout.replace(/^::add-mask::.*\n/gm, '')));
  console.log(`--- exit code ${run.exitCode}; outputs ---`);
  for (const [name, value] of Object.entries(run.outputs))
    console.log(`${name}: ${masked(run, value)}`);
  console.log('--- exported environment ---');
  for (const [name, value] of Object.entries(run.env)) console.log(`${name}=${masked(run, value)}`);
  console.log('--- job summary (HTML) ---');
  console.log(run.summary);
  if (postgres && run.exitCode === 0) {
    const who = execFileSync('psql', ['-X', '-A', '-t', '-c', 'select current_user'], {
      env: { PATH: process.env['PATH'] ?? '', ...run.env },
    });
    console.log(`--- a later step: psql -c 'select current_user' → ${who.toString().trim()}`);
  }
  process.exitCode = run.exitCode;
} finally {
  await postgres?.stop();
  await emulator.close();
}
