import { audiences, type TokenClaims } from './claims.ts';
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

/** The audiences a pod's default token carries: the API server, by its in-cluster names. */
const API_SERVER_AUDIENCES = new Set([
  'https://kubernetes.default.svc',
  'https://kubernetes.default.svc.cluster.local',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'https://kubernetes.default',
]);

/**
 * A pod's default service account token, whose audience is the API server (GKE and AKS name it by
 * the issuer URL): any pod of the cluster has one, so no policy may accept that audience.
 */
export function isDefaultServiceAccountToken(claims: TokenClaims): boolean {
  if (typeof claims.sub !== 'string' || !claims.sub.startsWith('system:serviceaccount:'))
    return false;
  const given = audiences(claims);
  return (
    given.length === 0 || given.some((aud) => API_SERVER_AUDIENCES.has(aud) || aud === claims.iss)
  );
}

export const DEFAULT_TOKEN_FIX =
  'Project a service account token with an audience of its own (a projected volume: serviceAccountToken: audience: <your Databricks account ID>, path: databricks) and pass its path with --oidc-token-file; never list the API server audience in a federation policy, since every pod of the cluster holds a token for it';
