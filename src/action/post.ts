// The post step: revokes the job-scoped PAT the main step minted (state from core.saveState).
// A third small edge: it reaches the core only through src/core/index.ts.
import * as core from '@actions/core';
import {
  createTransport,
  describeFailure,
  escapeHtml,
  idTokenRequestFromEnv,
  manualRevokeCommand,
  notRevoked,
  REVOKE_POLICY,
  revokeJobPat,
  safeLog,
  SecretRegistry,
  systemClock,
  type Config,
  type LogSink,
  type RevokeFallback,
  type SavedPat,
  VERSION,
} from '../core/index.ts';
import { parseInputs } from './inputs.ts';
import { stopMetadataService } from './metadata-service-stop.ts';
import { withJobDefaults } from './job-token-inputs.ts';
import { subjectTokenSource } from './subject-source.ts';
import { STATE } from './pat-state.ts';

/** Well inside the runner's 7.5 s between SIGINT and SIGTERM on cancellation. */
export const POST_DEADLINE_MS = 5000;
/** No new request starts after this, leaving time to report. */
const REQUEST_BUDGET_MS = 4000;
const USER_AGENT = `databricks-oidc-action/${VERSION} (post)`;

const runnerLog: LogSink = {
  info: (line) => core.info(line),
  notice: (line) => core.notice(line),
  warning: (line) => core.warning(line),
};

export async function runPost(): Promise<void> {
  await stopMetadataService();
  const secrets = new SecretRegistry((value) => core.setSecret(value));
  const tokenId = core.getState(STATE.id);
  if (tokenId === '') {
    core.info('No job-scoped PAT was minted in this job: nothing to revoke');
    return;
  }
  const saved: SavedPat = {
    workspaceUrl: core.getState(STATE.host),
    tokenId,
    value: secrets.add(core.getState(STATE.value)),
  };
  const expiresAt = core.getState(STATE.expiresAt);
  const expiry = expiresAt === '' ? 'never expires' : `expires at ${expiresAt}`;
  if (core.getState(STATE.revoke) === 'false') {
    core.notice(
      `pat-revoke is false: the job-scoped PAT ${tokenId} (${expiry}) was not revoked. Revoke it yourself with ${manualRevokeCommand(saved)}`,
    );
    await summaryLine(`PAT <code>${tokenId}</code> left valid (pat-revoke: false); ${expiry}`);
    return;
  }
  if (expiresAt !== '' && Date.parse(expiresAt) <= Date.now()) {
    core.info(`The job-scoped PAT ${tokenId} already expired at ${expiresAt}: nothing to revoke`);
    await summaryLine(`PAT <code>${tokenId}</code> had already expired (${expiresAt})`);
    return;
  }
  await revokeWithin(saved, secrets, expiry);
}

async function revokeWithin(
  saved: SavedPat,
  secrets: SecretRegistry,
  expiry: string,
): Promise<void> {
  const transport = createTransport(USER_AGENT);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          notRevoked(saved, `the post step's ${POST_DEADLINE_MS / 1000}-second deadline passed`),
        ),
      POST_DEADLINE_MS,
    );
  });
  try {
    const deps = {
      transport,
      clock: systemClock,
      log: safeLog(runnerLog, secrets),
      secrets,
      policy: REVOKE_POLICY,
    };
    const revocation = await Promise.race([
      revokeJobPat(saved, fallbackFor(secrets), deps, REQUEST_BUDGET_MS),
      deadline,
    ]);
    const what =
      revocation.outcome === 'revoked' ? `revoked with ${revocation.by}` : 'already gone';
    core.info(`The job-scoped PAT ${saved.tokenId} is ${what}`);
    await summaryLine(`PAT <code>${saved.tokenId}</code> ${what}`);
  } catch (error) {
    const message = secrets.redact(describeFailure(error));
    core.setFailed(message);
    await summaryLine(
      `PAT <code>${saved.tokenId}</code> was NOT revoked (${expiry}): ${escapeHtml(message)}`,
    );
  } finally {
    clearTimeout(timer);
    transport.dispose();
  }
}

/** The main step's inputs again (the runner passes INPUT_* to post), minus what it minted. */
function fallbackFor(secrets: SecretRegistry): RevokeFallback | undefined {
  try {
    secrets.add(core.getInput('oidc-token'));
    const request = idTokenRequestFromEnv(process.env);
    if (request !== undefined) secrets.add(request.token);
    const inputs = parseInputs(withJobDefaults((name) => core.getInput(name), process.env));
    const config: Config = { ...inputs, lakebase: undefined, pat: undefined, obo: undefined };
    return { config, subjectToken: subjectTokenSource(inputs, secrets) };
  } catch {
    return undefined;
  }
}

async function summaryLine(html: string): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
  await core.summary.addRaw(`<p>Databricks OIDC post step: ${html}</p>\n`).write();
}
