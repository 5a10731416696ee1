// The detached metadata service of export-env: metadata-service (dist/metadata-service/index.js).
// The main step sends it the token-service variables over IPC; it answers with the variables for
// later steps, and then serves until the post step (or the runner, at the end of the job) stops it.
import { rename, rm, writeFile } from 'node:fs/promises';
import * as core from '@actions/core';
import {
  createTransport,
  describeFailure,
  safeLog,
  SecretRegistry,
  startMetadataService,
  systemClock,
  VERSION,
  type LogSink,
} from '../core/index.ts';
import { parseInputs } from './inputs.ts';
import { withJobDefaults } from './job-token-inputs.ts';
import type { ServiceReady, ServiceStart } from './metadata-service-launch.ts';
import { subjectTokenSource } from './subject-source.ts';

const PASSFILE_FS = { writeFile, rename, rm };

const USER_AGENT = `databricks-oidc-action/${VERSION} (metadata-service)`;

/** Its log file: stdout and stderr are that file. */
const fileLog: LogSink = {
  info: (line) => void process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  notice: (line) => void process.stdout.write(`${new Date().toISOString()} note: ${line}\n`),
  warning: (line) => void process.stdout.write(`${new Date().toISOString()} warning: ${line}\n`),
};

process.once('message', (message) => void serve(message as ServiceStart));

async function serve(start: ServiceStart): Promise<void> {
  const secrets = new SecretRegistry(() => undefined);
  for (const [name, value] of Object.entries(start.env)) process.env[name] = secrets.add(value);
  const log = safeLog(fileLog, secrets);
  const transport = createTransport(USER_AGENT);
  const reply = (ready: ServiceReady): void => {
    process.send?.(ready);
    process.disconnect?.();
  };
  try {
    const inputs = parseInputs(withJobDefaults((name) => core.getInput(name), process.env));
    const service = await startMetadataService(
      inputs,
      {
        transport,
        clock: systemClock,
        log,
        secrets,
        subjectToken: subjectTokenSource(inputs, secrets),
      },
      start.passfile === undefined ? {} : { passfile: { path: start.passfile, fs: PASSFILE_FS } },
    );
    const stop = (): void =>
      void service.close().finally(() => {
        transport.dispose();
        process.exit(0);
      });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    log.info(`Serving ${service.variables['DATABRICKS_HOST'] ?? ''} on 127.0.0.1`);
    reply({ ok: true, variables: service.variables });
  } catch (error) {
    const message = secrets.redact(describeFailure(error));
    log.warning(message);
    reply({ ok: false, message });
    transport.dispose();
    process.exitCode = 1;
  }
}
