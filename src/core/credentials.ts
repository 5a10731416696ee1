import type { Clock } from './clock.ts';
import type { Config, LakebaseTarget } from './config.ts';
import { explainRefusal } from './databricks/diagnose.ts';
import {
  fetchHostMetadata,
  needsMetadata,
  resolveTarget,
  type AudienceSource,
  type Target,
} from './databricks/discovery.ts';
import {
  exchangeToken,
  ExchangeRefusedError,
  type DatabricksToken,
} from './databricks/exchange.ts';
import { mintLakebaseCredential, type LakebaseCredential } from './databricks/lakebase.ts';
import type { Pat } from './databricks/tokens/index.ts';
import { mintJobTokens, refuseOnAccount, type JobTokens } from './job-tokens.ts';
import { ConfigurationError, StageError } from './errors.ts';
import { DEFAULT_RETRY_POLICY, type CallContext, type RetryPolicy } from './http/retry.ts';
import type { Transport } from './http/transport.ts';
import type { LogSink } from './secrets/log.ts';
import type { SecretRegistry } from './secrets/registry.ts';
import type { CiName } from './ci/catalog.ts';
import { decodeClaims, describeClaims, type TokenClaims } from './subject-token/claims.ts';
import { ownAudience } from './databricks/own-audience.ts';
import { currentJwt, type CurrentJwt, type SubjectTokenSource } from './subject-token/source.ts';

/** No new attempt starts after this: far inside the 5-minute life of a GitHub JWT. */
const RUN_DEADLINE_MS = 120_000;

const AUDIENCE_ORIGINS: Record<AudienceSource, string> = {
  input: 'from the audience input',
  'host metadata': "the host metadata's default",
  'account ID': 'the account ID, the default for an account-level host',
  'token endpoint': "the workspace token endpoint, the Databricks SDKs' default",
  token: 'the aud claim of the given token',
};

/** What the flow is given by the edge that runs it. */
export interface CoreDeps {
  transport: Transport;
  clock: Clock;
  /** Already safe: redacts secrets and neutralises text (see safeLog). */
  log: LogSink;
  secrets: SecretRegistry;
  subjectToken: SubjectTokenSource;
  /** The CI the job runs on, when known: a refusal's suggested policy pins its stable claim. */
  ci?: CiName;
  policy?: RetryPolicy;
  /**
   * Called as soon as a job-scoped PAT exists (already registered as a secret), before anything
   * that could still fail: the edge records it for revocation even when the run fails later.
   */
  onPat?: (pat: Pat, workspaceUrl: string) => void;
}

export interface Credentials {
  target: Target;
  clientId: string | undefined;
  claims: TokenClaims | undefined;
  token: DatabricksToken;
  database: LakebaseCredential | undefined;
  /** The job-scoped PAT and on-behalf-of tokens, when asked for. */
  tokens?: JobTokens;
}

/** The one entry of the core: a JWT from the source, exchanged at Databricks, and Lakebase if asked. */
export async function obtainCredentials(config: Config, deps: CoreDeps): Promise<Credentials> {
  const base = callContext(deps);
  const resolved = await resolveTargetAndJwt(base, config, deps.subjectToken);
  const { jwt } = resolved;
  let { target } = resolved;
  const ctx = { ...base, workspaceId: target.workspaceId };
  if (config.lakebase !== undefined && target.kind === 'account')
    throw lakebaseNeedsWorkspace(target);
  refuseOnAccount(target, config.pat !== undefined, config.obo !== undefined);
  const federation =
    config.clientId === undefined ? 'account-wide' : `service principal ${config.clientId}`;
  ctx.log.info(
    `Databricks ${target.kind} ${target.host.url}; token endpoint ${target.tokenEndpoint}; federation: ${federation}`,
  );
  const claims = decodeClaims(await jwt());
  if (!deps.subjectToken.choosesAudience)
    target = ownAudience(target, claims, config.audience, deps.subjectToken.description, ctx.log);
  const origin =
    target.audienceSource === 'token'
      ? `the aud claim of the token from ${deps.subjectToken.description}`
      : AUDIENCE_ORIGINS[target.audienceSource];
  ctx.log.info(`Audience: ${target.audience} (${origin})`);
  if (claims !== undefined)
    ctx.log.info(`Token claims: ${describeClaims(claims, ctx.clock.now())}`);
  const token = await exchange(ctx, { config, target, jwt, claims, ci: deps.ci });
  ctx.log.info(`Databricks token received; ${describeExpiry(token, ctx.clock.now())}`);
  const database =
    config.lakebase === undefined
      ? undefined
      : await lakebase(ctx, config.lakebase, target, token, config.scope);
  const tokens = await mintJobTokens(ctx, config, target, token, deps.onPat);
  return { target, clientId: config.clientId, claims, token, database, tokens };
}

export function describeExpiry(token: DatabricksToken, now: number): string {
  if (token.expiresAt === undefined) return 'Databricks did not say when it expires';
  return `expires at ${token.expiresAt.toISOString()} (in ${Math.round((token.expiresAt.getTime() - now) / 1000)} s)`;
}

export function callContext(deps: Omit<CoreDeps, 'subjectToken'>): CallContext {
  return {
    transport: deps.transport,
    clock: deps.clock,
    log: deps.log,
    secrets: deps.secrets,
    policy: deps.policy ?? DEFAULT_RETRY_POLICY,
    deadline: deps.clock.now() + RUN_DEADLINE_MS,
  };
}

/** The host metadata when needed, concurrently with the JWT when the audience does not depend on it. */
async function resolveTargetAndJwt(
  ctx: CallContext,
  config: Config,
  source: SubjectTokenSource,
): Promise<{ target: Target; jwt: CurrentJwt }> {
  if (!source.choosesAudience) {
    // A given token is read (and an expired one refused) before any request.
    const jwt = currentJwt(ctx, source, config.audience ?? '');
    await jwt();
    const metadata = needsMetadata(config) ? await fetchHostMetadata(ctx, config) : undefined;
    return { target: resolveTarget(config, metadata), jwt };
  }
  const metadata = needsMetadata(config)
    ? fetchHostMetadata(ctx, config)
    : Promise.resolve(undefined);
  if (config.audience !== undefined) {
    const jwt = currentJwt(ctx, source, config.audience);
    // The first failure ends the run at once: the other call, if it wakes, meets the disposed
    // transport, which refuses it without a retry or a log line (transport.ts).
    const [resolved] = await Promise.all([metadata, jwt()]);
    return { target: resolveTarget(config, resolved), jwt };
  }
  const target = resolveTarget(config, await metadata);
  return { target, jwt: currentJwt(ctx, source, target.audience) };
}

interface Exchange {
  config: Config;
  target: Target;
  jwt: CurrentJwt;
  claims: TokenClaims | undefined;
  ci: CiName | undefined;
}

async function exchange(ctx: CallContext, exchange: Exchange): Promise<DatabricksToken> {
  const { config, target, claims, ci } = exchange;
  try {
    return await exchangeToken(ctx, {
      tokenEndpoint: target.tokenEndpoint,
      subjectToken: exchange.jwt,
      clientId: config.clientId,
      scope: config.scope,
    });
  } catch (error) {
    // A 404 is a wrong endpoint (account-id, host), not a policy: its hint says so.
    if (error instanceof ExchangeRefusedError && error.status !== 404)
      for (const line of explainRefusal(claims, target, config.clientId, ci)) ctx.log.info(line);
    throw error;
  }
}

async function lakebase(
  ctx: CallContext,
  lakebaseTarget: LakebaseTarget,
  target: Target,
  token: DatabricksToken,
  scope: string,
): Promise<LakebaseCredential> {
  const credential = await mintLakebaseCredential(ctx, {
    scope,
    workspaceUrl: target.host.url,
    accessToken: token.accessToken,
    tokenExpiresAt: token.expiresAt,
    target: lakebaseTarget,
  });
  const expiry = credential.expiresAt?.toISOString() ?? 'an unstated time';
  ctx.log.info(
    `Lakebase credential for ${credential.user} at ${credential.host}:${credential.port}/${credential.database}; expires at ${expiry}`,
  );
  return credential;
}

function lakebaseNeedsWorkspace(target: Target): StageError {
  return new ConfigurationError(
    'lakebase',
    `${target.host.url} is an account console, but Lakebase credentials are workspace-scoped`,
    'Set host to the URL of the workspace that owns the Lakebase instance or endpoint',
  );
}
