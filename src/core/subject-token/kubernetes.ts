import type { CiDetector } from './ci-detector.ts';
import { tokenUnavailable } from './source-deps.ts';

export const KUBERNETES_FIX =
  'Project a service account token with the audience of your federation policy and pass its path with --oidc-token-file (the default service account token is never used)';

/** Kubernetes: only a projected token named with --oidc-token-file, never the default one. */
export const kubernetes: CiDetector = {
  ci: 'kubernetes',
  label: 'Kubernetes',
  present: (env) => (env['KUBERNETES_SERVICE_HOST'] ? 'KUBERNETES_SERVICE_HOST is set' : undefined),
  source() {
    throw tokenUnavailable(
      'on Kubernetes the token is read only from a file named with --oidc-token-file',
      KUBERNETES_FIX,
    );
  },
};
