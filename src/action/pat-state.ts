// What the main step leaves for the post step (core.saveState → $GITHUB_STATE → STATE_* in post).
import * as core from '@actions/core';
import type { LogSink, Pat } from '../core/index.ts';
import type { ActionInputs } from './inputs.ts';

export const STATE = {
  id: 'pat-id',
  host: 'pat-host',
  value: 'pat-value',
  expiresAt: 'pat-expires-at',
  revoke: 'pat-revoke',
} as const;

/**
 * The value is saved only when post revokes it: it is the credential post revokes with. State is
 * not masked by the runner on its own, but the value was registered with setSecret the moment it
 * arrived, so the runner masks it in every log of the job; the state file lives in the runner's
 * private file-command directory, like $GITHUB_ENV, which carries the same value as DATABRICKS_TOKEN.
 */
export function savePatState(
  pat: Pat,
  workspaceUrl: string,
  inputs: ActionInputs,
  log: LogSink,
): void {
  core.saveState(STATE.id, pat.id);
  core.saveState(STATE.host, workspaceUrl);
  core.saveState(STATE.expiresAt, pat.expiresAt?.toISOString() ?? '');
  core.saveState(STATE.revoke, String(inputs.patRevoke));
  if (inputs.patRevoke) core.saveState(STATE.value, pat.value);
  if (inputs.exportEnv === 'token')
    log.info(`DATABRICKS_TOKEN is the job-scoped PAT ${pat.id}, not the OAuth token`);
  log.info(
    inputs.patRevoke
      ? `The post step of this action revokes PAT ${pat.id} at the end of the job`
      : `pat-revoke is false: PAT ${pat.id} stays valid until ${pat.expiresAt?.toISOString() ?? 'it is deleted (no expiry)'}`,
  );
}
