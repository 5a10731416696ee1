import type { CiSource } from '../source.ts';
import { acceptJwt, tokenUnavailable } from '../../subject-token/source-deps.ts';

/** Bitbucket Pipelines: BITBUCKET_STEP_OIDC_TOKEN, present only in steps with `oidc: true`. */
export const bitbucket: CiSource = {
  source(deps) {
    const value = deps.env['BITBUCKET_STEP_OIDC_TOKEN'];
    if (!value)
      throw tokenUnavailable(
        'this Bitbucket step has no BITBUCKET_STEP_OIDC_TOKEN',
        'Add "oidc: true" to the step in bitbucket-pipelines.yml',
      );
    const jwt = acceptJwt(value, deps.secrets, 'BITBUCKET_STEP_OIDC_TOKEN');
    return {
      description: 'Bitbucket Pipelines',
      choosesAudience: false,
      token: () => Promise.resolve(jwt),
    };
  },
};
