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
 * only when adopting, and only when a marked token is kept, so the partner never loses its last one;
 * a token another rotation minted (its own marker, a space, the mint time) is never adopted.
 */
export function planPrune(tokens: ManagedToken[], options: PruneOptions): PrunePlan {
  const carries = (t: ManagedToken): boolean => hasMarker(t.comment, options.marker);
  const marked = tokens.filter(carries).sort((a, b) => age(b) - age(a));
  const others = tokens.filter((t) => !carries(t));
  const keep = marked.slice(0, options.keep);
  const adopt = options.adoptUnmanaged && keep.length > 0;
  const adopted = adopt ? others.filter((t) => !mintedByARotation(t.comment)) : [];
  return {
    keep,
    remove: [...marked.slice(options.keep), ...adopted],
    untouched: others.filter((t) => !adopted.includes(t)),
  };
}

/** The shape mint writes, `<marker> <mint time>`, whatever the marker: another rotation's token. */
function mintedByARotation(comment: string): boolean {
  const at = comment.lastIndexOf(' ');
  return at > 0 && MINTED_AT.test(comment.slice(at + 1));
}

/** What mint writes after the marker and one space: the moment it minted (toISOString). */
const MINTED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/**
 * Exactly the marker, up to the one delimiter mint writes (a space and the mint time) and nothing
 * else: rotated-by:acme must claim neither rotated-by:acme2's tokens nor those of the rotation
 * marked "rotated-by:acme staging", whose comments also start with "rotated-by:acme ".
 */
export function hasMarker(comment: string, marker: string): boolean {
  if (comment === marker) return true;
  return comment.startsWith(`${marker} `) && MINTED_AT.test(comment.slice(marker.length + 1));
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
