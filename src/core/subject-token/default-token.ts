import { audiences, type TokenClaims } from './claims.ts';
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
