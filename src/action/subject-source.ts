// Where the action's JWT comes from, shared by the main and post steps (post must not import main).
import {
  gitHubActionsSource,
  givenToken,
  idTokenRequestFromEnv,
  missingPermissionError,
  type SecretRegistry,
  type SubjectTokenSource,
} from '../core/index.ts';
import type { ActionInputs } from './inputs.ts';

/** The oidc-token input if given, else the job's token service; fails before any request without either. */
export function subjectTokenSource(
  inputs: Pick<ActionInputs, 'oidcToken'>,
  secrets: SecretRegistry,
): SubjectTokenSource {
  if (inputs.oidcToken !== undefined) return givenToken(inputs.oidcToken, 'the oidc-token input');
  const request = idTokenRequestFromEnv(process.env);
  if (request === undefined) throw missingPermissionError();
  return gitHubActionsSource(request, secrets);
}
