// The GitHub edge: the only module that talks to the runner (@actions/core). It reads the inputs,
// picks the subject-token source, runs the core and writes outputs, env and the summary.
// index.ts (the bundle's entry) calls run(); so does @github/local-action, which imports this file.
import * as core from '@actions/core';
import {
  createTransport,
  describeExpiry,
  describeFailure,
  gitHubActionsSource,
  givenToken,
  idTokenRequestFromEnv,
  missingPermissionError,
  obtainCredentials,
  safeLog,
  SecretRegistry,
  systemClock,
  type Credentials,
  type LogSink,
  type SubjectTokenSource,
} from '../core/index.ts';
import { parseInputs, type ActionInputs } from './inputs.ts';
import { withJobDefaults } from './job-token-inputs.ts';
import { savePatState } from './pat-state.ts';
import { actionOutputs, exportedEnv } from './outputs.ts';
import { renderFailureSummary, renderSummary } from './summary.ts';

const USER_AGENT = 'databricks-oidc-action/0.1';
/** Below this remaining life, say so: a long later step would outlive the token. */
const SHORT_LIVED_MS = 15 * 60_000;

const runnerLog: LogSink = {
  info: (line) => core.info(line),
  notice: (line) => core.notice(line),
  warning: (line) => core.warning(line),
};

export async function run(): Promise<void> {
  const secrets = new SecretRegistry((value) => core.setSecret(value));
  const transport = createTransport(USER_AGENT);
  try {
    // Masked before anything else reads it.
    secrets.add(core.getInput('oidc-token'));
    const idTokenRequest = idTokenRequestFromEnv(process.env);
    if (idTokenRequest !== undefined) secrets.add(idTokenRequest.token);
    const inputs = parseInputs(withJobDefaults((name) => core.getInput(name), process.env));
    const log = safeLog(runnerLog, secrets);
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
    for (const [name, value] of Object.entries(actionOutputs(credentials)))
      core.setOutput(name, value);
    const exported = exportedEnv(credentials, inputs.exportEnv);
    for (const [name, value] of Object.entries(exported)) core.exportVariable(name, value);
    if (process.env['GITHUB_STEP_SUMMARY'])
      await core.summary.addRaw(renderSummary(credentials, Object.keys(exported))).write();
  } catch (error) {
    const message = secrets.redact(describeFailure(error));
    core.setFailed(message);
    await writeFailureSummary(error, message);
  } finally {
    transport.dispose();
  }
}

/** The oidc-token input if given, else the job's token service; fails before any request without either. */
export function subjectTokenSource(
  inputs: ActionInputs,
  secrets: SecretRegistry,
): SubjectTokenSource {
  if (inputs.oidcToken !== undefined) return givenToken(inputs.oidcToken, 'the oidc-token input');
  const request = idTokenRequestFromEnv(process.env);
  if (request === undefined) throw missingPermissionError();
  return gitHubActionsSource(request, secrets);
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
    `The Databricks token ${describeExpiry(token, now)}, as it lives only as long as the GitHub token. For longer steps, use export-env: oidc, with which the Databricks CLI and SDKs fetch fresh tokens themselves.`,
  );
}
