import type { Config } from './config.ts';
import {
  fetchHostMetadata,
  needsMetadata,
  resolveTarget,
  type HostMetadata,
  type Target,
} from './databricks/discovery.ts';
import { DEFAULT_RETRY_POLICY } from './http/retry.ts';
import type { CoreDeps } from './credentials.ts';
import { decodeClaims, type TokenClaims } from './subject-token/claims.ts';

export interface PeekedToken {
  target: Target;
  claims: TokenClaims | undefined;
  /** Whether the settings left anything to the host metadata, and what it answered (if it did). */
  hostMetadata: { needed: boolean; answer: HostMetadata | undefined };
}

/** The target and the JWT the exchange would present, without exchanging (for `policy`, `doctor`). */
export async function peekSubjectToken(config: Config, deps: CoreDeps): Promise<PeekedToken> {
  const ctx = {
    ...deps,
    policy: deps.policy ?? DEFAULT_RETRY_POLICY,
    deadline: deps.clock.now() + 60_000,
  };
  const needed = needsMetadata(config);
  const metadata = needed ? await fetchHostMetadata(ctx, config) : undefined;
  const target = resolveTarget(config, metadata);
  const jwt = await deps.subjectToken.token(ctx, target.audience);
  return { target, claims: decodeClaims(jwt), hostMetadata: { needed, answer: metadata } };
}
