import type { CallContext } from '../http/retry.ts';
import { decodeClaims } from './claims.ts';

/**
 * Where the JWT presented to Databricks comes from: the CI's token service, a file, a variable.
 * One implementation per source, each in its own file; the flow asks for a JWT per audience.
 */
export interface SubjectTokenSource {
  /** For the log: "GitHub Actions", "the oidc-token input", … */
  readonly description: string;
  /** False when the token is given as it is (an input, a variable, a file): the audience is its own. */
  readonly choosesAudience: boolean;
  /** A JWT for this audience, registered as a secret before it is returned. */
  token(ctx: CallContext, audience: string): Promise<string>;
}

/** A JWT younger than this is reused; an older one is replaced before it is presented. */
const FRESHNESS_MARGIN_MS = 60_000;

/** The JWT for one audience: fetched once, renewed when close to expiry, one request at a time. */
export type CurrentJwt = () => Promise<string>;

export function currentJwt(
  ctx: CallContext,
  source: SubjectTokenSource,
  audience: string,
): CurrentJwt {
  let jwt: string | undefined;
  let pending: Promise<string> | undefined;
  const expiresSoon = (token: string): boolean => {
    const exp = decodeClaims(token)?.exp;
    return typeof exp === 'number' && exp * 1000 - ctx.clock.now() < FRESHNESS_MARGIN_MS;
  };
  return () => {
    if (jwt !== undefined && (!source.choosesAudience || !expiresSoon(jwt)))
      return Promise.resolve(jwt);
    pending ??= source.token(ctx, audience).then(
      (fresh) => ((pending = undefined), (jwt = fresh)),
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
}
