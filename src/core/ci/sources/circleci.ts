import { neutralise } from '../../secrets/text.ts';
import { audiences, decodeClaims } from '../../subject-token/claims.ts';
import type { CiSource } from '../source.ts';
import { acceptJwt, tokenUnavailable, type SourceDeps } from '../../subject-token/source-deps.ts';
import type { SubjectTokenSource } from '../../subject-token/source.ts';

/**
 * CircleCI: `circleci run oidc get` mints a JWT for the audience asked for; without an explicit
 * audience, or with the one CIRCLE_OIDC_TOKEN_V2 already has (the org ID), that variable itself.
 * Never a silent fallback: a token for another audience than the one asked for is no token.
 */
export const circleci: CiSource = {
  source(deps, options) {
    const v2 = deps.env['CIRCLE_OIDC_TOKEN_V2'];
    if (v2) deps.secrets.add(v2);
    const { audience } = options;
    const v2Audiences = v2 ? audiences(decodeClaims(v2.trim()) ?? {}) : [];
    if (audience === undefined || v2Audiences.includes(audience)) return envSource(deps, v2);
    return mintedSource(deps, v2Audiences);
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

function mintedSource(deps: SourceDeps, v2Audiences: string[]): SubjectTokenSource {
  return {
    description: 'CircleCI (circleci run oidc get)',
    choosesAudience: true,
    async token(_ctx, audience) {
      const args = ['run', 'oidc', 'get', '--claims', JSON.stringify({ aud: audience })];
      const result = await deps.runCommand('circleci', args);
      if (result === undefined)
        throw tokenUnavailable(
          `--audience asks for a token minted by "circleci run oidc get", but the circleci executable is not on PATH`,
          `Put the circleci CLI on PATH in the job's image, or drop --audience to use CIRCLE_OIDC_TOKEN_V2, whose audience is ${v2Audiences.length > 0 ? `the organization ID ${neutralise(v2Audiences.join(', '), 100)}` : 'the organization ID'}, and list that audience in the federation policy`,
        );
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
