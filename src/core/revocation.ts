// The post step's work: revoke the job-scoped PAT with itself, else with a fresh exchange.
import type { Config } from './config.ts';
import { callContext, obtainCredentials, type CoreDeps } from './credentials.ts';
import { deletePat, type RevokeOutcome } from './databricks/tokens/index.ts';
import { describeFailure, failureKind, StageError } from './errors.ts';
import { refuseOnAccount } from './job-tokens.ts';
import type { RetryPolicy } from './http/retry.ts';
import type { SubjectTokenSource } from './subject-token/source.ts';

/** Short attempts: the whole revocation must end well inside the runner's 7.5 s cancel grace. */
export const REVOKE_POLICY: RetryPolicy = {
  maxAttempts: 2,
  baseDelayMs: 200,
  maxDelayMs: 500,
  attemptTimeoutMs: 2000,
};

export interface SavedPat {
  workspaceUrl: string;
  tokenId: string;
  value: string;
}

export interface Revocation {
  outcome: Exclude<RevokeOutcome, 'refused'>;
  /** Which credential did it: the PAT itself, or a fresh exchange. */
  by: 'the PAT itself' | 'a fresh exchange';
}

/** The command that revokes it by hand: printed whenever the post step could not. */
export function manualRevokeCommand(saved: Pick<SavedPat, 'workspaceUrl' | 'tokenId'>): string {
  return `databricks tokens delete ${saved.tokenId} --host ${saved.workspaceUrl} (or: curl -X POST ${saved.workspaceUrl}/api/2.0/token/delete -H "Authorization: Bearer <token of the same identity>" -d '{"token_id":"${saved.tokenId}"}')`;
}

/** What a fresh exchange needs: the main step's settings (without PAT, OBO, Lakebase) and a JWT source. */
export interface RevokeFallback {
  config: Config;
  subjectToken: SubjectTokenSource;
}

export async function revokeJobPat(
  saved: SavedPat,
  fallback: RevokeFallback | undefined,
  deps: Omit<CoreDeps, 'subjectToken'>,
  deadlineMs: number,
): Promise<Revocation> {
  deps.secrets.add(saved.value);
  const ctx = { ...callContext(deps), deadline: deps.clock.now() + deadlineMs };
  const bearer = { workspaceUrl: saved.workspaceUrl, token: saved.value };
  const first = await deletePat(ctx, bearer, saved.tokenId, true).catch(() => 'refused' as const);
  if (first !== 'refused') return { outcome: first, by: 'the PAT itself' };
  ctx.log.info(
    `The PAT ${saved.tokenId} could not revoke itself; revoking it with a fresh exchange`,
  );
  if (fallback === undefined)
    throw notRevoked(saved, 'the PAT was refused, and no fresh exchange is possible');
  let reason: string;
  let cause: unknown;
  try {
    const { target, token } = await obtainCredentials(fallback.config, {
      ...deps,
      subjectToken: fallback.subjectToken,
    });
    const fresh = { workspaceUrl: saved.workspaceUrl, token: token.accessToken };
    const routed = { ...ctx, workspaceId: target.workspaceId };
    const second = await deletePat(routed, fresh, saved.tokenId, false);
    if (second !== 'refused') return { outcome: second, by: 'a fresh exchange' };
    reason = 'both the PAT and a freshly exchanged token were refused';
  } catch (error) {
    reason = `the fresh exchange failed: ${describeFailure(error)}`;
    cause = error;
  }
  throw notRevoked(saved, reason, cause);
}

/** `cause`: the failure of the fresh exchange or its delete, which tells transient from refused. */
export function notRevoked(
  saved: Pick<SavedPat, 'workspaceUrl' | 'tokenId'>,
  reason: string,
  cause?: unknown,
): StageError {
  return new StageError(
    'revoke',
    `the job-scoped PAT ${saved.tokenId} was not revoked (${reason})`,
    `It stays valid until its expiry: revoke it now with ${manualRevokeCommand(saved)}`,
    // Left valid by a network fault or an outage, it is transient; by a refusal, refused.
    { kind: failureKind(cause) === 'transient' ? 'transient' : 'refused', cause },
  );
}

/**
 * Revokes a PAT by its id alone, with a fresh exchange (the command line's `pat revoke`, run by a
 * pipeline's final step when the value is long gone). Already gone counts as revoked.
 */
export async function revokePatById(
  tokenId: string,
  fallback: RevokeFallback,
  deps: Omit<CoreDeps, 'subjectToken'>,
  deadlineMs: number,
): Promise<Revocation & { workspaceUrl: string }> {
  const { target, token } = await obtainCredentials(fallback.config, {
    ...deps,
    subjectToken: fallback.subjectToken,
  });
  refuseOnAccount(target, true, false);
  const workspaceUrl = target.host.url;
  const ctx = {
    ...callContext(deps),
    deadline: deps.clock.now() + deadlineMs,
    workspaceId: target.workspaceId,
  };
  const bearer = { workspaceUrl, token: token.accessToken };
  const outcome = await deletePat(ctx, bearer, tokenId, false);
  if (outcome === 'refused')
    throw notRevoked({ workspaceUrl, tokenId }, 'a freshly exchanged token was refused');
  return { outcome, by: 'a fresh exchange', workspaceUrl };
}
