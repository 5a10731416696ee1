// The GitHub edge: the only module that talks to the runner (@actions/core). Everything it calls
// takes typed inputs and returns typed results, so it can serve another CI system unchanged.
// index.ts (the bundle's entry) calls run(); so does @github/local-action, which imports this file.
import * as core from '@actions/core';
import { systemClock } from '../core/clock.ts';
import { describeFailure } from '../core/errors.ts';
import { idTokenRequestFromEnv } from '../core/subject-token/github-actions.ts';
import { createTransport } from '../core/http/transport.ts';
import { parseInputs } from './inputs.ts';
import { safeLog, type LogSink } from '../core/secrets/log.ts';
import { actionOutputs, exportedEnv } from './outputs.ts';
import { run as runAction } from '../core/credentials.ts';
import { SecretRegistry } from '../core/secrets/registry.ts';
import { renderSummary } from './summary.ts';

const USER_AGENT = 'databricks-oidc-action/0.1';

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
    const config = parseInputs((name) => core.getInput(name));
    const log = safeLog(runnerLog, secrets);
    const result = await runAction(config, {
      transport,
      clock: systemClock,
      log,
      secrets,
      idTokenRequest,
    });
    for (const [name, value] of Object.entries(actionOutputs(result))) core.setOutput(name, value);
    for (const [name, value] of Object.entries(exportedEnv(result, config.exportEnv)))
      core.exportVariable(name, value);
    if (process.env['GITHUB_STEP_SUMMARY'])
      await core.summary.addRaw(renderSummary(result)).write();
  } catch (error) {
    core.setFailed(secrets.redact(describeFailure(error)));
  } finally {
    transport.dispose();
  }
}
