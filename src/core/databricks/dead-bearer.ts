import { StageError, type Stage } from '../errors.ts';
import type { RestError } from '../http/rest.ts';

/**
 * Databricks answers an invalid or expired bearer with 403 `{"error_code": 403, "message":
 * "Invalid access token."}` (recorded in databricks/databricks-sdk-go#873, #917, #1046) and, within
 * 30 s of expiry, 403 "Token is expiring within 30 seconds" (databricks/databricks-vscode#583);
 * some APIs answer 401. Either way the token is dead: no grant, scope or admin fixes it.
 */
const DEAD_TEXT = /invalid access token|expired|expiring/i;

export function isDeadBearer(error: RestError): boolean {
  return error.status === 401 || (error.status === 403 && DEAD_TEXT.test(error.detail ?? ''));
}

export function deadBearer(stage: Stage, error: RestError): StageError {
  return new StageError(
    stage,
    `Databricks refused the token as expired or invalid (${error.message})`,
    'The Databricks token ran out or was revoked before this call: re-run the job; a token given from outside (oidc-token, --oidc-token, DATABRICKS_OIDC_TOKEN) must be fresh',
  );
}
