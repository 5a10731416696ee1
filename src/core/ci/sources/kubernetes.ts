import { tokenUnavailable } from '../../subject-token/source-deps.ts';
import type { CiSource } from '../source.ts';

export const KUBERNETES_FIX =
  'Project a service account token with the audience of your federation policy and pass its path with --oidc-token-file (the default service account token is never used)';

/** Kubernetes: only a projected token named with --oidc-token-file, never the default one. */
export const kubernetes: CiSource = {
  source() {
    throw tokenUnavailable(
      'on Kubernetes the token is read only from a file named with --oidc-token-file',
      KUBERNETES_FIX,
    );
  },
};
