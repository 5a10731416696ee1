import { decodeClaims, describeClaims, type TokenClaims } from './subject-token/claims.ts';
import type { Clock } from './clock.ts';
import { explainRefusal } from './databricks/diagnose.ts';
import {
  fetchHostMetadata,
  needsMetadata,
  resolveTarget,
  type AudienceSource,
  type Target,
} from './databricks/discovery.ts';
import { exchangeToken, ExchangeRefusedError, type DatabricksToken } from './databricks/exchange.ts';
import { missingPermissionError, type IdTokenRequest } from './subject-token/github-actions.ts';
import type { Transport } from './http/transport.ts';
import { ActionError } from './errors.ts';
import type { Config, LakebaseTarget } from '../action/inputs.ts';
import { fixedJwt, gitHubJwt, type JwtSource } from './subject-token/source.ts';
import { mintLakebaseCredential, type LakebaseCredential } from './databricks/lakebase.ts';
import type { LogSink } from './secrets/log.ts';
import { DEFAULT_RETRY_POLICY, type CallContext, type RetryPolicy } from './http/retry.ts';
import type { SecretRegistry } from './secrets/registry.ts';

/** No new attempt starts after this: far inside the 5-minute life of a GitHub JWT. */
const RUN_DEADLINE_MS = 120_000;
/** Below this remaining life, say so: a long later step would outlive the token. */
const SHORT_LIVED_MS = 15 * 60_000;

const AUDIENCE_ORIGINS: Record<AudienceSource, string> = {
  input: 'from the audience input',
  'host metadata': "the host metadata's default",
  'account ID': 'the account ID, the default for an account console',
  'token endpoint': "the workspace token endpoint, the Databricks SDKs' default",
};

export interface RunDeps {
  transport: Transport;
  clock: Clock;
  /** Already safe: redacts secrets and neutralises text (see safeLog). */
  log: LogSink;
  secrets: SecretRegistry;
  idTokenRequest: IdTokenRequest | undefined;
  policy?: RetryPolicy;
}

export interface RunResult {
  target: Target;
  clientId: string | undefined;
  claims: TokenClaims | undefined;
  token: DatabricksToken;
  database: LakebaseCredential | undefined;
}

export async function run(config: Config, deps: RunDeps): Promise<RunResult> {
  const { log, clock } = deps;
  const ctx: CallContext = {
    transport: deps.transport,
    clock,
    log,
    policy: deps.policy ?? DEFAULT_RETRY_POLICY,
    deadline: clock.now() + RUN_DEADLINE_MS,
  };
  const { target, jwt } = await resolveTargetAndJwt(config, ctx, deps);
  if (config.lakebase !== undefined && target.kind === 'account')
    throw lakebaseNeedsWorkspace(target);
  const federation =
    config.clientId === undefined ? 'account-wide' : `service principal ${config.clientId}`;
  log.info(
    `Databricks ${target.kind} ${target.host.url}; token endpoint ${target.tokenEndpoint}; federation: ${federation}`,
  );
  log.info(`Audience: ${target.audience} (${AUDIENCE_ORIGINS[target.audienceSource]})`);
  const claims = decodeClaims(await jwt.current());
  if (claims !== undefined) log.info(`Token claims: ${describeClaims(claims, clock.now())}`);
  const token = await exchange(ctx, deps, config, target, jwt, claims);
  log.info(`Databricks token received; ${describeExpiry(token, clock.now())}`);
  if (config.exportEnv === 'token') warnIfShortLived(token, clock.now(), log);
  const database =
    config.lakebase === undefined
      ? undefined
      : await lakebase(ctx, deps, config.lakebase, target, token);
  return { target, clientId: config.clientId, claims, token, database };
}

/** The host metadata when needed, concurrently with the JWT when the audience does not depend on it. */
async function resolveTargetAndJwt(
  config: Config,
  ctx: CallContext,
  deps: RunDeps,
): Promise<{ target: Target; jwt: JwtSource }> {
  const jwtFor = jwtFactory(config, ctx, deps);
  const metadata = needsMetadata(config)
    ? fetchHostMetadata(ctx, config.host)
    : Promise.resolve(undefined);
  if (config.audience !== undefined) {
    const jwt = jwtFor(config.audience);
    const [resolved] = await Promise.all([metadata, jwt.current()]);
    return { target: resolveTarget(config, resolved), jwt };
  }
  const target = resolveTarget(config, await metadata);
  return { target, jwt: jwtFor(target.audience) };
}

/** Fails at once, before any network call, when there is no way to get a JWT. */
function jwtFactory(
  config: Config,
  ctx: CallContext,
  deps: RunDeps,
): (audience: string) => JwtSource {
  const { oidcToken } = config;
  if (oidcToken !== undefined) return () => fixedJwt(oidcToken);
  const request = deps.idTokenRequest;
  if (request === undefined) throw missingPermissionError();
  return (audience) => gitHubJwt(ctx, deps.secrets, request, audience);
}

async function exchange(
  ctx: CallContext,
  deps: RunDeps,
  config: Config,
  target: Target,
  jwt: JwtSource,
  claims: TokenClaims | undefined,
): Promise<DatabricksToken> {
  try {
    return await exchangeToken(ctx, deps.secrets, {
      tokenEndpoint: target.tokenEndpoint,
      subjectToken: () => jwt.current(),
      clientId: config.clientId,
      scope: config.scope,
    });
  } catch (error) {
    if (error instanceof ExchangeRefusedError)
      for (const line of explainRefusal(claims, target, config.clientId)) deps.log.info(line);
    throw error;
  }
}

async function lakebase(
  ctx: CallContext,
  deps: RunDeps,
  lakebaseTarget: LakebaseTarget,
  target: Target,
  token: DatabricksToken,
): Promise<LakebaseCredential> {
  const credential = await mintLakebaseCredential(ctx, deps.secrets, {
    workspaceUrl: target.host.url,
    accessToken: token.accessToken,
    tokenExpiresAt: token.expiresAt,
    target: lakebaseTarget,
  });
  const expiry = credential.expiresAt?.toISOString() ?? 'an unstated time';
  deps.log.info(
    `Lakebase credential for ${credential.user} at ${credential.host}:${credential.port}/${credential.database}; expires at ${expiry}`,
  );
  return credential;
}

function lakebaseNeedsWorkspace(target: Target): ActionError {
  return new ActionError(
    'lakebase',
    `${target.host.url} is an account console, but Lakebase credentials are workspace-scoped`,
    'Set host to the URL of the workspace that owns the Lakebase instance or endpoint',
  );
}

function describeExpiry(token: DatabricksToken, now: number): string {
  if (token.expiresAt === undefined) return 'Databricks did not say when it expires';
  return `expires at ${token.expiresAt.toISOString()} (in ${Math.round((token.expiresAt.getTime() - now) / 1000)} s)`;
}

function warnIfShortLived(token: DatabricksToken, now: number, log: LogSink): void {
  if (token.expiresAt === undefined || token.expiresAt.getTime() - now > SHORT_LIVED_MS) return;
  log.notice(
    `The Databricks token ${describeExpiry(token, now)}, as it lives only as long as the GitHub token. For longer steps, use export-env: oidc, with which the Databricks CLI and SDKs fetch fresh tokens themselves.`,
  );
}
