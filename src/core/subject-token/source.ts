import { decodeClaims } from './claims.ts';
import { requestGitHubJwt, type IdTokenRequest } from './github-actions.ts';
import type { CallContext } from '../http/retry.ts';
import type { SecretRegistry } from '../secrets/registry.ts';

/** A GitHub JWT younger than this is reused; an older one is replaced before it is presented. */
const FRESHNESS_MARGIN_MS = 60_000;

/** The JWT to present: the one given as input, or the job's GitHub token, renewed when close to expiry. */
export interface JwtSource {
  current(): Promise<string>;
}

export function fixedJwt(jwt: string): JwtSource {
  return { current: () => Promise.resolve(jwt) };
}

export function gitHubJwt(
  ctx: CallContext,
  secrets: SecretRegistry,
  request: IdTokenRequest,
  audience: string,
): JwtSource {
  let jwt: string | undefined;
  let pending: Promise<string> | undefined;
  const expiresSoon = (token: string): boolean => {
    const exp = decodeClaims(token)?.exp;
    return typeof exp === 'number' && exp * 1000 - ctx.clock.now() < FRESHNESS_MARGIN_MS;
  };
  return {
    current() {
      if (jwt !== undefined && !expiresSoon(jwt)) return Promise.resolve(jwt);
      pending ??= requestGitHubJwt(ctx, secrets, request, audience).then(
        (fresh) => ((pending = undefined), (jwt = fresh)),
        (error: unknown) => {
          pending = undefined;
          throw error;
        },
      );
      return pending;
    },
  };
}
