// export-env: metadata-service, the main step's half: start the service as a detached process that
// outlives the step (dist/metadata-service/index.js), hand it the job's token-service credentials
// over IPC (never argv, never a file), wait for its variables, and let it go. Its output goes to a
// log file under RUNNER_TEMP: a step whose output streams stay open would never end.
import * as core from '@actions/core';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StageError, type LogSink, type SecretRegistry } from '../core/index.ts';
import { SERVICE_MARK, SERVICE_STATE } from './metadata-service-stop.ts';

/** The service does a whole exchange (and a Lakebase credential) before it answers. */
const READY_TIMEOUT_MS = 150_000;
/** Handed over IPC and taken out of the service's environment. */
const REQUEST_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'];

export interface ServiceStart {
  env: Record<string, string>;
  passfile: string | undefined;
}

export type ServiceReady =
  { ok: true; variables: Record<string, string> } | { ok: false; message: string };

export async function launchMetadataService(
  withLakebase: boolean,
  secrets: SecretRegistry,
  log: LogSink,
): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(process.env['RUNNER_TEMP'] || tmpdir(), 'databricks-oidc-'));
  const logFile = join(dir, 'metadata-service.log');
  const passfile = withLakebase ? join(dir, 'pgpass') : undefined;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !REQUEST_VARIABLES.includes(name)),
  );
  const entry = join(dirname(process.argv[1] ?? ''), SERVICE_MARK, 'index.js');
  const out = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, [entry], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env,
  });
  closeSync(out);
  const start: ServiceStart = {
    env: Object.fromEntries(REQUEST_VARIABLES.map((name) => [name, process.env[name] ?? ''])),
    passfile,
  };
  const ready = await new Promise<ServiceReady>((resolve) => {
    const fail = (message: string) => resolve({ ok: false, message });
    const timer = setTimeout(() => fail('it did not answer in time'), READY_TIMEOUT_MS);
    child.once('message', (message) => (clearTimeout(timer), resolve(message as ServiceReady)));
    child.once('exit', (code) => (clearTimeout(timer), fail(`it exited with code ${code}`)));
    child.once('error', (error) => (clearTimeout(timer), fail(error.message)));
    child.send(start);
  });
  child.removeAllListeners();
  if (!ready.ok) {
    child.kill('SIGKILL');
    throw new StageError(
      'outputs',
      `the metadata service did not start: ${secrets.redact(ready.message)}`,
      `See its log, ${logFile}, and the errors above`,
    );
  }
  child.disconnect();
  child.unref();
  core.saveState(SERVICE_STATE.pid, String(child.pid));
  if (passfile !== undefined) core.saveState(SERVICE_STATE.passfile, passfile);
  secrets.add(ready.variables['DATABRICKS_METADATA_SERVICE_URL'] ?? '');
  log.info(
    `Metadata service started for the rest of the job (pid ${child.pid}, log ${logFile}); the post step stops it`,
  );
  return ready.variables;
}
