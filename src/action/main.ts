// The GitHub edge: the only module that talks to the runner (@actions/core). It reads the inputs,
// picks the subject-token source, runs the core and writes outputs, env and the summary.
// index.ts (the bundle's entry) calls run(); so does @github/local-action, which imports this file.
import * as core from '@actions/core';
import {
  createTransport,
  describeExpiry,
  describeFailure,
  idTokenRequestFromEnv,
  obtainCredentials,
  safeLog,
  SecretRegistry,
  StageError,
  systemClock,
  type Credentials,
  type LogSink,
  VERSION,
} from '../core/index.ts';
import { parseInputs } from './inputs.ts';
import { launchMetadataService } from './metadata-service-launch.ts';
import { withJobDefaults } from './job-token-inputs.ts';
import { savePatState } from './pat-state.ts';
import { actionOutputs, exportedEnv } from './outputs.ts';
import { renderFailureSummary, renderSummary } from './summary.ts';
import { subjectTokenSource } from './subject-source.ts';

const USER_AGENT = `databricks-oidc-action/${VERSION}`;
/** Below this remaining life, say so: a long later step would outlive the token. */
const SHORT_LIVED_MS = 15 * 60_000;

/** The runner's log until the step has failed: nothing may follow the `::error::` line. */
function runnerLog(failed: () => boolean): LogSink {
  const unlessFailed =
    (write: (line: string) => void) =>
    (line: string): void => {
      if (!failed()) write(line);
    };
  return {
    info: unlessFailed((line) => core.info(line)),
    notice: unlessFailed((line) => core.notice(line)),
    warning: unlessFailed((line) => core.warning(line)),
  };
}

export async function run(): Promise<void> {
  const secrets = new SecretRegistry((value) => core.setSecret(value));
  const transport = createTransport(USER_AGENT);
  let failed = false;
  try {
    // Masked before anything else reads it.
    secrets.add(core.getInput('oidc-token'));
    const idTokenRequest = idTokenRequestFromEnv(process.env);
    if (idTokenRequest !== undefined) secrets.add(idTokenRequest.token);
    const inputs = parseInputs(withJobDefaults((name) => core.getInput(name), process.env));
    requireFileCommands();
    const log = safeLog(
      runnerLog(() => failed),
      secrets,
    );
    const subjectToken = subjectTokenSource(inputs, secrets);
    const credentials = await obtainCredentials(inputs, {
      transport,
      clock: systemClock,
      log,
      secrets,
      subjectToken,
      // State first, the moment the PAT exists, so that post revokes it even if the run fails later.
      onPat: (pat, workspaceUrl) => savePatState(pat, workspaceUrl, inputs, log),
    });
    if (inputs.exportEnv === 'token' && credentials.tokens?.pat === undefined)
      warnIfShortLived(credentials, log);
    const exported =
      inputs.exportEnv === 'metadata-service'
        ? await launchMetadataService(credentials.database !== undefined, secrets, log)
        : exportedEnv(credentials, inputs.exportEnv);
    await writeSummary(credentials, Object.keys(exported), log);
    for (const [name, value] of Object.entries(actionOutputs(credentials)))
      core.setOutput(name, value);
    for (const [name, value] of Object.entries(exported)) core.exportVariable(name, value);
  } catch (error) {
    failed = true;
    const message = secrets.redact(describeFailure(error));
    core.setFailed(message);
    await writeFailureSummary(error, message);
  } finally {
    transport.dispose();
  }
}

/**
 * Without the file commands, @actions/core falls back to the deprecated `::set-output` and
 * `::set-env` lines on stdout, which would print the secrets into the log: refuse before minting.
 */
function requireFileCommands(): void {
  const missing = ['GITHUB_OUTPUT', 'GITHUB_ENV'].filter((name) => !process.env[name]);
  if (missing.length > 0)
    throw new StageError(
      'outputs',
      `the runner did not provide ${missing.join(' and ')}, so outputs could only be printed into the log`,
      'The runner is too old: update it (or the tool that emulates it) to a version with file commands (runner 2.297.0 or later)',
    );
}

/** The summary is a courtesy: written before the outputs, and never a reason to fail the step. */
async function writeSummary(
  credentials: Credentials,
  exportedNames: string[],
  log: LogSink,
): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
  try {
    await core.summary.addRaw(renderSummary(credentials, exportedNames)).write();
  } catch (error) {
    log.warning(
      `The job summary could not be written (${error instanceof Error ? error.message : String(error)}); the credentials are unaffected`,
    );
  }
}

/** Best effort: a summary that cannot be written must not hide the error itself. */
async function writeFailureSummary(error: unknown, message: string): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
  try {
    await core.summary.addRaw(renderFailureSummary(error, message)).write();
  } catch {
    // The error line above already says everything.
  }
}

function warnIfShortLived({ token }: Credentials, log: LogSink): void {
  const now = Date.now();
  if (token.expiresAt === undefined || token.expiresAt.getTime() - now > SHORT_LIVED_MS) return;
  log.notice(
    `The Databricks token ${describeExpiry(token, now)}, as it lives only as long as the GitHub token. For longer steps, use export-env: metadata-service (a local service renews it for every later step) or export-env: oidc.`,
  );
}
