import { ConfigurationError, StageError } from '../errors.ts';
import { trustsMetadata, type Host } from './host.ts';
import type { Config } from '../config.ts';
import { nonEmptyString, parseJsonObject, stringField } from '../http/json.ts';
import { isUuid } from '../http/server-values.ts';
import { hasSpaceOrControl } from '../secrets/text.ts';
import { callWithRetries, type CallContext } from '../http/retry.ts';

/** What `GET <host>/.well-known/databricks-config` told us; every field optional. */
export interface HostMetadata {
  accountHost: boolean | undefined;
  accountId: string | undefined;
  defaultAudience: string | undefined;
}

export type AudienceSource =
  | 'input'
  | 'host metadata'
  | 'account ID'
  | 'token endpoint'
  /** A given token's own aud: the source did not choose it, and no input changes it. */
  | 'token';

/** Where and how to exchange, resolved from the inputs and (when needed) the host metadata. */
export interface Target {
  host: Host;
  kind: 'workspace' | 'account';
  accountId: string | undefined;
  tokenEndpoint: string;
  audience: string;
  audienceSource: AudienceSource;
}

/** The metadata is needed only for what the inputs and the host name cannot tell. */
export function needsMetadata(config: Config): boolean {
  if (!trustsMetadata(config.host)) return false;
  return (
    config.audience === undefined ||
    config.host.kind === 'unknown' ||
    (config.host.kind === 'account' && config.accountId === undefined)
  );
}

/** Fetches the host metadata; its absence or failure is not an error (older hosts lack it). */
export async function fetchHostMetadata(
  ctx: CallContext,
  host: Host,
): Promise<HostMetadata | undefined> {
  try {
    const label = { stage: 'discovery', what: 'Host metadata request' } as const;
    const response = await callWithRetries(ctx, label, () => ({
      method: 'GET',
      url: `${host.url}/.well-known/databricks-config`,
      headers: { Accept: 'application/json' },
    }));
    if (response.status !== 200) {
      ctx.log.info(
        `Host metadata: not available (HTTP ${response.status}); deciding from the host name`,
      );
      return undefined;
    }
    return parseHostMetadata(response.body);
  } catch (error) {
    if (!(error instanceof StageError)) throw error;
    ctx.log.info(`Host metadata: not available (${error.message}); deciding from the host name`);
    return undefined;
  }
}

export function parseHostMetadata(body: string): HostMetadata | undefined {
  const record = parseJsonObject(body);
  if (record === undefined) return undefined;
  const hostType = stringField(record, 'host_type');
  const audiences = record['token_federation_default_oidc_audiences'];
  const accountId = stringField(record, 'account_id');
  const defaultAudience = Array.isArray(audiences) ? nonEmptyString(audiences[0]) : undefined;
  // It shapes the token endpoint path and is exported as DATABRICKS_ACCOUNT_ID.
  if (accountId !== undefined && !isUuid(accountId)) throw badMetadata('account_id', 'a UUID');
  if (defaultAudience !== undefined && !isAudience(defaultAudience))
    throw badMetadata('default audience', 'one audience');
  return {
    accountHost: hostType === undefined ? undefined : hostType === 'ACCOUNT_HOST',
    accountId: accountId?.toLowerCase(),
    defaultAudience,
  };
}

const MAX_AUDIENCE_LENGTH = 1000;

function isAudience(value: string): boolean {
  return value.length <= MAX_AUDIENCE_LENGTH && !hasSpaceOrControl(value);
}

/** Caught by fetchHostMetadata: the metadata is then ignored, with this line in the log. */
function badMetadata(field: string, kind: string): StageError {
  return new StageError(
    'discovery',
    `the host metadata's ${field} is not ${kind}`,
    'The host metadata is ignored; set account-id and audience if the host needs them',
  );
}

/**
 * The Databricks SDKs' order: an account console if the name or the metadata says so; the audience
 * from the input, else the metadata's default, else the account ID (account) or the token endpoint (workspace).
 */
export function resolveTarget(config: Config, given: HostMetadata | undefined): Target {
  const { host } = config;
  if (!trustsMetadata(host) && config.audience === undefined) throw audienceNeeded(host);
  const metadata = trustsMetadata(host) ? given : undefined;
  const kind = host.kind === 'account' || metadata?.accountHost === true ? 'account' : 'workspace';
  const accountId = config.accountId ?? metadata?.accountId;
  if (kind === 'account' && accountId === undefined)
    throw new ConfigurationError(
      'discovery',
      `${host.url} is an account console, but the account ID is unknown`,
      'Set account-id to your Databricks account ID (account console, top right menu)',
    );
  const tokenEndpoint =
    kind === 'account'
      ? `${host.url}/oidc/accounts/${accountId}/v1/token`
      : `${host.url}/oidc/v1/token`;
  const [audience, audienceSource] = resolveAudience(
    config.audience,
    metadata,
    kind === 'account' ? accountId : undefined,
    tokenEndpoint,
  );
  return { host, kind, accountId, tokenEndpoint, audience, audienceSource };
}

function resolveAudience(
  input: string | undefined,
  metadata: HostMetadata | undefined,
  accountId: string | undefined,
  tokenEndpoint: string,
): [string, AudienceSource] {
  if (input !== undefined) return [input, 'input'];
  if (metadata?.defaultAudience !== undefined) return [metadata.defaultAudience, 'host metadata'];
  if (accountId !== undefined) return [accountId, 'account ID'];
  return [tokenEndpoint, 'token endpoint'];
}

function audienceNeeded(host: Host): StageError {
  return new ConfigurationError(
    'discovery',
    `${host.url} is not under a Databricks domain, so it may not choose the audience of the OIDC token`,
    'A custom domain or private link name is configured, not guessed: set audience to one of the audiences of your federation policy (for an account console also set account-id)',
  );
}
