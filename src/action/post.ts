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
  const log = safeLog(runnerLog, secrets);
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
  const id = `<code>${escapeHtml(tokenId)}</code>`;
  if (core.getState(STATE.revoke) === 'false') {
    log.notice(
      `pat-revoke is false: the job-scoped PAT ${tokenId} (${expiry}) was not revoked. Revoke it yourself with ${manualRevokeCommand(saved)}`,
    );
    await summaryLine(`PAT ${id} left valid (pat-revoke: false); ${escapeHtml(expiry)}`);
    return;
  }
  if (expiresAt !== '' && Date.parse(expiresAt) <= Date.now()) {
    log.info(`The job-scoped PAT ${tokenId} already expired at ${expiresAt}: nothing to revoke`);
    await summaryLine(`PAT ${id} had already expired (${escapeHtml(expiresAt)})`);
    return;
  }
  const fallback = fallbackFor(secrets);
  const configured = fallback?.config.host.url;
  if (configured !== undefined && configured !== saved.workspaceUrl)
    return fail(
      // The PAT would go to a host the job did not configure: the manual command names the job's.
      notRevoked(
        { ...saved, workspaceUrl: configured },
        `the saved state names the host ${saved.workspaceUrl}, not the configured ${configured}; the PAT is sent to no other host`,
      ),
      secrets,
      saved.tokenId,
      expiry,
    );
  await revokeWithin(saved, secrets, expiry, fallback, log);
}

async function fail(
  error: unknown,
  secrets: SecretRegistry,
  tokenId: string,
  expiry: string,
): Promise<void> {
  // Redacted, and with no workflow command in it: it names saved and server values.
  const message = secrets.sanitise(describeFailure(error), 2000);
  core.setFailed(message);
  await summaryLine(
    `PAT <code>${escapeHtml(tokenId)}</code> was NOT revoked (${escapeHtml(expiry)}): ${escapeHtml(message)}`,
  );
}

async function revokeWithin(
  saved: SavedPat,
  secrets: SecretRegistry,
  expiry: string,
  fallback: RevokeFallback | undefined,
  log: LogSink,
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
      log,
      secrets,
      policy: REVOKE_POLICY,
    };
    const revocation = await Promise.race([
      revokeJobPat(saved, fallback, deps, REQUEST_BUDGET_MS),
      deadline,
    ]);
    const what =
      revocation.outcome === 'revoked' ? `revoked with ${revocation.by}` : 'already gone';
    log.info(`The job-scoped PAT ${saved.tokenId} is ${what}`);
    await summaryLine(`PAT <code>${escapeHtml(saved.tokenId)}</code> ${escapeHtml(what)}`);
  } catch (error) {
    await fail(error, secrets, saved.tokenId, expiry);
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
