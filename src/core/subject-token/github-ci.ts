import type { CiDetector } from './ci-detector.ts';
import { gitHubActionsSource, idTokenRequestFromEnv } from './github-actions.ts';
import { tokenUnavailable } from './source-deps.ts';

/** GitHub Actions for the command line: the same token service the action uses. */
export const gitHub: CiDetector = {
  ci: 'github',
  label: 'GitHub Actions',
  present: (env) =>
    env['ACTIONS_ID_TOKEN_REQUEST_URL']
      ? 'ACTIONS_ID_TOKEN_REQUEST_URL is set'
      : env['GITHUB_ACTIONS']
        ? 'GITHUB_ACTIONS is set'
        : undefined,
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
