import { serverDate } from '../secrets/server-values.ts';
import type { Clock } from '../clock.ts';
import type { CallContext } from '../http/retry.ts';
import { invalidSetting } from '../config.ts';
import { audiences, decodeClaims } from './claims.ts';
import { DEFAULT_TOKEN_FIX, isDefaultServiceAccountToken } from './default-token.ts';
import { tokenUnavailable } from './source-deps.ts';
import type { SubjectTokenSource } from './source.ts';

/**
 * The JWT checked before it is presented: an expired one, or one for another audience than the
 * one asked for explicitly, is refused here rather than by Databricks with a vaguer answer.
 */
export function checkedSource(
  source: SubjectTokenSource,
  explicitAudience: string | undefined,
  clock: Clock,
): SubjectTokenSource {
  return {
    description: source.description,
    choosesAudience: source.choosesAudience,
    async token(ctx, audience) {
      const jwt = await source.token(ctx, audience);
      const claims = decodeClaims(jwt);
      if (claims === undefined)
        throw tokenUnavailable(
          `the token from ${source.description} is not a readable JWT`,
          'Pass the raw OIDC ID token, with nothing around it',
        );
      if (typeof claims.exp === 'number' && claims.exp * 1000 <= clock.now())
        throw tokenUnavailable(
          `the token from ${source.description} expired at ${serverDate(claims.exp * 1000)?.toISOString() ?? 'a time no date can hold'}`,
          'Get a fresh token: CI tokens live minutes, so exchange it in the step that receives it',
        );
      if (isDefaultServiceAccountToken(claims))
        throw tokenUnavailable(
          `the token from ${source.description} is a Kubernetes default service account token: its audience is the API server (${ctx.secrets.sanitise(audiences(claims).join(', ') || 'none', 200)})`,
          DEFAULT_TOKEN_FIX,
        );
      warnIfShortLived(ctx, source, claims.exp, clock.now());
      const given = audiences(claims);
      // Audiences are not secret: both are shown whole (sanitised), so the mismatch is plain.
      const shown = (text: string): string => `"${ctx.secrets.sanitise(text, 200)}"`;
      if (explicitAudience !== undefined && !given.includes(explicitAudience))
        throw invalidSetting(
          'audience',
          `is ${shown(explicitAudience)}, but the token's aud is ${shown(given.join(', '))}`,
          'Set --audience (DATABRICKS_TOKEN_AUDIENCE) to the aud of the token, or mint the token for that audience',
        );
      return jwt;
    },
  };
}

/** Below this, the holder of the Databricks token has too little time to be left unwarned. */
const SHORT_LIFE_SECONDS = 120;

/**
 * The Databricks token lives no longer than the JWT it was exchanged for; a JWT given as it is
 * (a variable, a file) cannot be renewed here, so a nearly spent one means a nearly spent token.
 */
function warnIfShortLived(
  ctx: CallContext,
  source: SubjectTokenSource,
  exp: number | undefined,
  now: number,
): void {
  if (source.choosesAudience || typeof exp !== 'number') return;
  const left = Math.round(exp - now / 1000);
  if (left >= SHORT_LIFE_SECONDS) return;
  ctx.log.warning(
    `The token from ${source.description} expires in ${left} s, and the Databricks token cannot outlive it: whatever receives DATABRICKS_TOKEN (a command run by exec, a later step) has at most ${left} s. Exchange earlier in the job, or have the CI mint the token later (GitLab: id_tokens live as long as the job's timeout, 5 minutes without one)`,
  );
}
