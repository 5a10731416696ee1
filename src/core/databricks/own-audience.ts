import type { Target } from './discovery.ts';
import type { LogSink } from '../secrets/log.ts';
import { audiences, type TokenClaims } from '../subject-token/claims.ts';

/**
 * The audience of a token the source did not mint for us is the token's own aud: report that,
 * and say so when the audience input asked for something else (it cannot change the token).
 */
export function ownAudience(
  target: Target,
  claims: TokenClaims | undefined,
  input: string | undefined,
  description: string,
  log: LogSink,
): Target {
  const own = claims === undefined ? [] : audiences(claims);
  if (own.length === 0) return target;
  if (input !== undefined && !own.includes(input))
    log.warning(
      `The audience input is ${input}, but the token from ${description} carries aud ${own.join(', ')}: Databricks checks the token, so the input changes nothing. Remove audience, or mint the token for that audience.`,
    );
  const audience = input !== undefined && own.includes(input) ? input : own.join(',');
  return { ...target, audience, audienceSource: 'token' };
}
