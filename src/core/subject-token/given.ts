import { StageError } from '../errors.ts';
import { decodeClaims } from './claims.ts';
import type { SubjectTokenSource } from './source.ts';

/** A JWT handed over as it is (an action input, a variable): its audience is its own. */
export function givenToken(jwt: string, description: string): SubjectTokenSource {
  return {
    description,
    choosesAudience: false,
    token: async (ctx) => {
      ctx.secrets.add(jwt);
      refuseExpired(jwt, description, ctx.clock.now());
      return jwt;
    },
  };
}

/** Sent anyway, an expired token would come back as a policy refusal and send the user astray. */
function refuseExpired(jwt: string, description: string, now: number): void {
  const exp = decodeClaims(jwt)?.exp;
  if (typeof exp !== 'number' || exp * 1000 > now) return;
  throw new StageError(
    'inputs',
    `the token from ${description} expired at ${new Date(exp * 1000).toISOString()} (${Math.round(now / 1000 - exp)} s ago)`,
    'Pass a token minted right before this step: most CI tokens live only minutes',
  );
}
