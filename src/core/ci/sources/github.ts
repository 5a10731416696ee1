import { decodeClaims } from '../../subject-token/claims.ts';
import { StageError } from '../../errors.ts';
import { parseJsonObject, stringField } from '../../http/json.ts';
import { callWithRetries, type CallContext } from '../../http/retry.ts';
import type { SecretRegistry } from '../../secrets/registry.ts';
import { tokenUnavailable, type Environment } from '../../subject-token/source-deps.ts';
import type { SubjectTokenSource } from '../../subject-token/source.ts';
import type { CiSource } from '../source.ts';

/** The runner's OIDC request variables, present only with `permissions: id-token: write`. */
export interface IdTokenRequest {
  url: string;
  token: string;
}

/** GitHub Actions for the command line: the same token service the action uses. */
export const gitHub: CiSource = {
  source(deps) {
    const request = idTokenRequestFromEnv(deps.env);
    if (request === undefined)
      throw tokenUnavailable(
        'this GitHub job has no ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN',
        'Add "permissions: id-token: write" to the job; pull requests from forks never get an OIDC token',
      );
    return gitHubActionsSource(request, deps.secrets);
  },
};

export function idTokenRequestFromEnv(env: Environment): IdTokenRequest | undefined {
  const url = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const token = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  return url && token ? { url, token } : undefined;
}

/** The job's own token service; the request token is a secret from the moment it is read. */
export function gitHubActionsSource(
  request: IdTokenRequest,
  secrets: SecretRegistry,
): SubjectTokenSource {
  secrets.add(request.token);
  return {
    description: 'GitHub Actions',
    choosesAudience: true,
    token: (ctx, audience) => requestGitHubJwt(ctx, request, audience),
  };
}

export function missingPermissionError(): StageError {
  return new StageError(
    'github-token',
    'the runner did not provide ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN',
    'Add "permissions: id-token: write" to the job (a reusable workflow needs it in the caller too); pull requests from forks and Dependabot runs never get an OIDC token, so use oidc-token there or skip the step',
  );
}

/** Asks the runner's token service for a JWT with the given audience. */
async function requestGitHubJwt(
  ctx: CallContext,
  request: IdTokenRequest,
  audience: string,
): Promise<string> {
  const url = withAudience(request.url, audience);
  const label = { stage: 'github-token', what: 'GitHub OIDC token request' } as const;
  const response = await callWithRetries(ctx, label, () => ({
    method: 'GET',
    url,
    headers: { Authorization: `Bearer ${request.token}`, Accept: 'application/json' },
  }));
  if (response.status !== 200) throw refused(response.status, response.body, ctx.secrets);
  const jwt = ctx.secrets.add(readValue(response.body));
  if (decodeClaims(jwt) === undefined)
    throw new StageError(
      'github-token',
      'the token GitHub returned is not a readable JWT',
      'Re-run the job; if it persists, GitHub may be having an incident',
    );
  return jwt;
}

function withAudience(requestUrl: string, audience: string): string {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    throw new StageError(
      'github-token',
      'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL',
      'Do not override ACTIONS_ID_TOKEN_REQUEST_URL; the runner sets it',
    );
  }
  url.searchParams.set('audience', audience);
  return url.href;
}

function readValue(body: string): string {
  const json = parseJsonObject(body);
  const hint = 'Re-run the job; if it persists, check githubstatus.com';
  if (json === undefined)
    throw new StageError(
      'github-token',
      'GitHub answered with something that is not a JSON object',
      hint,
    );
  const value = stringField(json, 'value');
  if (value === undefined)
    throw new StageError('github-token', 'GitHub answered without a token in "value"', hint);
  return value;
}

function refused(status: number, body: string, secrets: SecretRegistry): StageError {
  const detail = serverMessage(body, secrets);
  const hint =
    status === 401 || status === 403
      ? 'The request token was refused: it expires some hours into a job and is only valid in the job that received it; re-run the job'
      : 'Re-run the job; if it persists, check githubstatus.com';
  return new StageError('github-token', `GitHub answered HTTP ${status}${detail}`, hint);
}

function serverMessage(body: string, secrets: SecretRegistry): string {
  const message = stringField(parseJsonObject(body), 'message');
  return message === undefined ? '' : ` ("${secrets.sanitise(message, 200)}")`;
}
