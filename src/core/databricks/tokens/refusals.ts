import { StageError, type Stage } from '../../errors.ts';
import { RestError } from '../../http/rest.ts';
import { deadBearer, isDeadBearer } from '../dead-bearer.ts';

/** Who the token is for, as the token permissions name it. */
export interface TokenOwner {
  /** Application ID of a service principal; undefined when the flow does not know it. */
  applicationId: string | undefined;
}

/** The exact grant that fixes a missing Can Use: PATCH adds to the ACL, PUT would replace it. */
export function canUsePatch(owner: TokenOwner): string {
  const name = owner.applicationId ?? '<application ID of the service principal>';
  return `PATCH /api/2.0/permissions/authorization/tokens with {"access_control_list":[{"service_principal_name":"${name}","permission_level":"CAN_USE"}]}`;
}

const NO_CAN_USE = /permission to use tokens/i;
const DISABLED = /disabled|not enabled|tokens are not allowed/i;
const LIFETIME = /lifetime|timeout|maximum|exceeds/i;

/** A refused token/create or OBO create as the error that says what to do; undefined if unknown. */
export function explainTokenRefusal(
  stage: Stage,
  error: RestError,
  owner: TokenOwner,
  lifetimeSeconds: number,
): StageError | undefined {
  const text = error.message;
  if (isDeadBearer(error)) return deadBearer(stage, error);
  if (error.errorCode === 'QUOTA_EXCEEDED') return quotaExceeded(stage, text);
  if (NO_CAN_USE.test(text)) return noCanUse(stage, text, owner);
  if (error.status === 403 && DISABLED.test(text)) return tokensDisabled(stage, text);
  if (error.status === 403) return tokensForbidden(stage, text, owner);
  if (error.status === 400 && LIFETIME.test(text)) return overMaximum(stage, lifetimeSeconds, text);
  return undefined;
}

function quotaExceeded(stage: Stage, detail: string): StageError {
  return new StageError(
    stage,
    `the identity already holds the most tokens Databricks allows (600 per identity; ${detail})`,
    'Sweep its expired or orphaned job tokens: list them (GET /api/2.0/token/list, or GET /api/2.0/token-management/tokens as an admin), delete those whose comment starts with gha/ and whose run has finished, and lower pat-lifetime',
  );
}

function noCanUse(stage: Stage, detail: string, owner: TokenOwner): StageError {
  return new StageError(
    stage,
    `the identity has no Can Use permission on tokens (${detail})`,
    `A workspace admin grants it with ${canUsePatch(owner)}`,
  );
}

function tokensDisabled(stage: Stage, detail: string): StageError {
  return new StageError(
    stage,
    `personal access tokens are disabled in this workspace (${detail})`,
    'A workspace admin enables them (Settings > Advanced > Personal Access Tokens); or use export-env: oidc, with which the Databricks CLI and SDKs refresh tokens themselves',
  );
}

function tokensForbidden(stage: Stage, detail: string, owner: TokenOwner): StageError {
  return new StageError(
    stage,
    `Databricks refused to create a token (${detail})`,
    `Personal access tokens may be disabled in this workspace, or the identity lacks Can Use: a workspace admin grants it with ${canUsePatch(owner)}`,
  );
}

function overMaximum(stage: Stage, lifetimeSeconds: number, detail: string): StageError {
  return new StageError(
    stage,
    `a lifetime of ${lifetimeSeconds} s is over the workspace maximum (${detail})`,
    'Lower the lifetime, or ask a workspace admin for the maximum token lifetime (workspace-conf maxTokenLifetimeDays)',
  );
}
