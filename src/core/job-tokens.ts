// What the flow mints after the exchange when asked: a job-scoped PAT, on-behalf-of tokens for a
// partner service principal, and the prune of that principal's older rotated tokens.
import type { Target } from './databricks/discovery.ts';
import type { DatabricksToken } from './databricks/exchange.ts';
import {
  createPat,
  rotateMint,
  rotatePrune,
  type Bearer,
  type MintResult,
  type Pat,
  type PatRequest,
  type PruneResult,
} from './databricks/tokens/index.ts';
import { ConfigurationError } from './errors.ts';
import type { CallContext } from './http/retry.ts';
import type { OboConfig } from './token-config.ts';

export interface JobTokens {
  pat: Pat | undefined;
  oboMint: MintResult | undefined;
  oboPrune: PruneResult | undefined;
}

/** Both are workspace APIs: refused on an account console before any exchange. */
export function refuseOnAccount(target: Target, pat: boolean, obo: boolean): void {
  if (target.kind !== 'account' || !(pat || obo)) return;
  throw new ConfigurationError(
    pat ? 'pat' : 'obo',
    `${target.host.url} is an account console, but personal access tokens and on-behalf-of tokens exist only in a workspace`,
    'Set host to the workspace URL (PATs cannot be used at the account level)',
  );
}

export async function mintJobTokens(
  ctx: CallContext,
  asked: {
    pat?: PatRequest | undefined;
    obo?: OboConfig | undefined;
    clientId: string | undefined;
  },
  target: Target,
  token: DatabricksToken,
  onPat?: (pat: Pat, workspaceUrl: string) => void,
): Promise<JobTokens> {
  const bearer: Bearer = {
    workspaceUrl: target.host.url,
    token: token.accessToken,
    expiresAt: token.expiresAt,
  };
  const pat =
    asked.pat === undefined
      ? undefined
      : await createPat(ctx, bearer, asked.pat, { applicationId: asked.clientId });
  if (pat !== undefined) onPat?.(pat, target.host.url);
  if (pat !== undefined)
    ctx.log.info(
      `Job-scoped PAT ${pat.id} created; expires ${pat.expiresAt?.toISOString() ?? 'never, or at no time a date can hold (the server gave no usable expiry)'}`,
    );
  const mint = asked.obo?.mint;
  const oboMint =
    mint === undefined
      ? undefined
      : await rotateMint(ctx, bearer, mint.principal, {
          lifetimeSeconds: mint.lifetimeSeconds,
          comment: `${mint.comment} ${new Date(ctx.clock.now()).toISOString()}`,
        });
  if (oboMint !== undefined)
    ctx.log.info(
      `On-behalf-of token ${oboMint.token.id} for ${oboMint.principal.displayName} (${oboMint.principal.applicationId}); expires ${oboMint.token.expiresAt?.toISOString() ?? 'never'}`,
    );
  const prune = asked.obo?.prune;
  const oboPrune =
    prune === undefined ? undefined : await rotatePrune(ctx, bearer, prune.principal, prune);
  if (oboPrune !== undefined) logPrune(ctx, oboPrune);
  return { pat, oboMint, oboPrune };
}

function logPrune(ctx: CallContext, { principal, plan, dryRun }: PruneResult): void {
  const ids = (list: { id: string }[]): string => list.map((t) => t.id).join(', ') || 'none';
  ctx.log.info(
    `Prune of ${principal.displayName} (${principal.applicationId}): keeping ${ids(plan.keep)}; ${dryRun ? 'would delete (dry run)' : 'deleted'} ${ids(plan.remove)}; unmarked, left alone: ${ids(plan.untouched)}`,
  );
}
