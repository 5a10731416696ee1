import type { CallContext } from '../../http/retry.ts';
import type { Bearer, Pat, PatRequest } from './pat.ts';
import {
  deleteManagedToken,
  findServicePrincipal,
  listTokensOf,
  mintOboToken,
  type ManagedToken,
  type ServicePrincipal,
} from './obo.ts';

export interface PrunePlan {
  keep: ManagedToken[];
  remove: ManagedToken[];
  /** Unmarked tokens left alone (the original Partner Connect token, tokens of other tools). */
  untouched: ManagedToken[];
}

export interface PruneOptions {
  /** This rotation's marker: a comment starting with it is a token this rotation owns. */
  marker: string;
  keep: number;
  adoptUnmanaged: boolean;
}

/**
 * Keep the newest `keep` marked tokens, remove the older marked ones. An unmarked token is removed
 * only when adopting, and only when a marked token is kept, so the partner never loses its last one.
 */
export function planPrune(tokens: ManagedToken[], options: PruneOptions): PrunePlan {
  const carries = (t: ManagedToken): boolean => hasMarker(t.comment, options.marker);
  const marked = tokens.filter(carries).sort((a, b) => age(b) - age(a));
  const unmarked = tokens.filter((t) => !carries(t));
  const keep = marked.slice(0, options.keep);
  const adopt = options.adoptUnmanaged && keep.length > 0;
  return {
    keep,
    remove: [...marked.slice(options.keep), ...(adopt ? unmarked : [])],
    untouched: adopt ? [] : unmarked,
  };
}

/** The marker as a whole word: rotated-by:o/r must not claim rotated-by:o/repo2's tokens. */
export function hasMarker(comment: string, marker: string): boolean {
  return comment === marker || comment.startsWith(`${marker} `);
}

function age(token: ManagedToken): number {
  return token.createdAt?.getTime() ?? token.expiresAt?.getTime() ?? 0;
}

export interface MintResult {
  principal: ServicePrincipal;
  token: Pat;
}

export async function rotateMint(
  ctx: CallContext,
  bearer: Bearer,
  principalNameOrId: string,
  request: PatRequest,
): Promise<MintResult> {
  const principal = await findServicePrincipal(ctx, bearer, principalNameOrId);
  const token = await mintOboToken(ctx, bearer, principal, request);
  return { principal, token };
}

export interface PruneResult {
  principal: ServicePrincipal;
  plan: PrunePlan;
  dryRun: boolean;
}

export async function rotatePrune(
  ctx: CallContext,
  bearer: Bearer,
  principalNameOrId: string,
  options: PruneOptions & { dryRun: boolean },
): Promise<PruneResult> {
  const principal = await findServicePrincipal(ctx, bearer, principalNameOrId);
  const plan = planPrune(await listTokensOf(ctx, bearer, principal), options);
  if (!options.dryRun)
    for (const token of plan.remove) await deleteManagedToken(ctx, bearer, token.id);
  return { principal, plan, dryRun: options.dryRun };
}
