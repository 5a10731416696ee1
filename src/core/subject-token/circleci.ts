import type { CiDetector } from './ci-detector.ts';
import { acceptJwt, tokenUnavailable, type SourceDeps } from './source-deps.ts';
import type { SubjectTokenSource } from './source.ts';

/**
 * CircleCI: `circleci run oidc get` mints a JWT for the audience asked for; without an explicit
 * audience (or without the command) the job's CIRCLE_OIDC_TOKEN_V2, whose audience is the org ID.
 */
export const circleci: CiDetector = {
  ci: 'circleci',
  label: 'CircleCI',
  present: (env) => (env['CIRCLECI'] ? 'CIRCLECI is set' : undefined),
  source(deps, options) {
    const v2 = deps.env['CIRCLE_OIDC_TOKEN_V2'];
    if (v2) deps.secrets.add(v2);
    if (options.audience !== undefined) return mintedSource(deps, v2);
    return envSource(deps, v2);
  },
};

function envSource(deps: SourceDeps, v2: string | undefined): SubjectTokenSource {
  if (!v2) throw noCircleToken();
  const jwt = acceptJwt(v2, deps.secrets, 'CIRCLE_OIDC_TOKEN_V2');
  return {
    description: 'CircleCI (CIRCLE_OIDC_TOKEN_V2)',
    choosesAudience: false,
    token: () => Promise.resolve(jwt),
  };
}

function mintedSource(deps: SourceDeps, v2: string | undefined): SubjectTokenSource {
  return {
    description: 'CircleCI (circleci run oidc get)',
    choosesAudience: true,
    async token(_ctx, audience) {
      const args = ['run', 'oidc', 'get', '--claims', JSON.stringify({ aud: audience })];
      const result = await deps.runCommand('circleci', args);
      if (result === undefined) {
        if (!v2) throw noCircleToken();
        return acceptJwt(v2, deps.secrets, 'CIRCLE_OIDC_TOKEN_V2');
      }
      if (result.exitCode !== 0)
        throw tokenUnavailable(
          `"circleci run oidc get" failed with exit code ${result.exitCode}`,
          'Run the job in a CircleCI project with OIDC tokens (a context or a non-fork build); forked pull requests get no token unless "Pass secrets to builds from forked pull requests" is on',
        );
      return acceptJwt(result.stdout, deps.secrets, 'the output of "circleci run oidc get"');
    },
  };
}

function noCircleToken(): Error {
  return tokenUnavailable(
    'CircleCI provided no CIRCLE_OIDC_TOKEN_V2',
    'Run the job with a context (OIDC tokens need one) and not from a forked pull request, or install the circleci CLI in the image and set --audience',
  );
}
