import { ConfigurationError, StageError } from '../errors.ts';
import { trustsMetadata, type Host } from './host.ts';
import type { Config } from '../config.ts';
import { codeOrText, nonEmptyString, parseJsonObject, stringField } from '../http/json.ts';
import { isUuid } from '../secrets/server-values.ts';
import { hasSpaceOrControl } from '../secrets/text.ts';
import { callWithRetries, type CallContext } from '../http/retry.ts';

/** `host_type` as the SDKs normalise it (GO `normalizeHostType`): anything else is unknown. */
export type HostType = 'workspace' | 'account' | 'unified';

/** What `GET <host>/.well-known/databricks-config` told us; every field optional. */
export interface HostMetadata {
  hostType: HostType | undefined;
  accountId: string | undefined;
  workspaceId: string | undefined;
  defaultAudience: string | undefined;
  /** The OIDC root as served: an account console's may hold the `{account_id}` template. */
  oidcEndpoint: string | undefined;
  /** `token_endpoint` of `<oidc_endpoint>/.well-known/oauth-authorization-server`, once fetched. */
  tokenEndpoint?: string | undefined;
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
  /** unified: one host for workspace and account APIs, exchanging at the account endpoint. */
  kind: 'workspace' | 'account' | 'unified';
  accountId: string | undefined;
  /** Sent as X-Databricks-Workspace-Id on workspace API calls, as the SDKs do, for unified hosts. */
  workspaceId: string | undefined;
  tokenEndpoint: string;
  audience: string;
  audienceSource: AudienceSource;
}

/**
 * Asked of every host under a Databricks domain, as the SDKs do: a unified host has a workspace's
 * name, and only its metadata says that it exchanges at the account endpoint.
 */
export function needsMetadata(config: Config): boolean {
  return trustsMetadata(config.host);
}

/**
 * Fetches the host metadata and, from its `oidc_endpoint`, the token endpoint (GO
 * `config/config.go` resolveHostMetadata, PY `config.py` `_resolve_host_metadata`); the absence or
 * failure of either is not an error (older hosts lack them): the host-name rules decide then.
 */
export async function fetchHostMetadata(
  ctx: CallContext,
  config: Pick<Config, 'host' | 'accountId'>,
): Promise<HostMetadata | undefined> {
  const metadata = await fetchDatabricksConfig(ctx, config.host);
  if (metadata?.oidcEndpoint === undefined) return metadata;
  const root = oidcRoot(metadata.oidcEndpoint, config.accountId ?? metadata.accountId);
  if (root === undefined) return metadata;
  return { ...metadata, tokenEndpoint: await discoverTokenEndpoint(ctx, config.host, root) };
}

async function fetchDatabricksConfig(
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
    return parseHostMetadata(response.body, host);
  } catch (error) {
    if (!(error instanceof StageError)) throw error;
    ctx.log.info(`Host metadata: not available (${error.message}); deciding from the host name`);
    return undefined;
  }
}

export function parseHostMetadata(body: string, host: Host): HostMetadata | undefined {
  const record = parseJsonObject(body);
  if (record === undefined) return undefined;
  const audiences = record['token_federation_default_oidc_audiences'];
  const accountId = stringField(record, 'account_id');
  const workspaceId = codeOrText(record, 'workspace_id');
  const oidcEndpoint = stringField(record, 'oidc_endpoint');
  const defaultAudience = Array.isArray(audiences) ? nonEmptyString(audiences[0]) : undefined;
  // It shapes the token endpoint path and is exported as DATABRICKS_ACCOUNT_ID.
  if (accountId !== undefined && !isUuid(accountId)) throw badMetadata('account_id', 'a UUID');
  if (workspaceId !== undefined && !/^\d{1,20}$/.test(workspaceId))
    throw badMetadata('workspace_id', 'a number');
  if (defaultAudience !== undefined && !isAudience(defaultAudience))
    throw badMetadata('default audience', 'one audience');
  // The JWT goes to the endpoint it names: never off the host the settings named.
  if (oidcEndpoint !== undefined && !isOnHost(oidcEndpoint.replace(ACCOUNT_TEMPLATE, '0'), host))
    throw badMetadata('oidc_endpoint', `a URL on ${host.url}`);
  return {
    hostType: normaliseHostType(stringField(record, 'host_type')),
    accountId: accountId?.toLowerCase(),
    workspaceId,
    defaultAudience,
    oidcEndpoint,
  };
}

function normaliseHostType(value: string | undefined): HostType | undefined {
  const type = value?.toLowerCase();
  return type === 'workspace' || type === 'account' || type === 'unified' ? type : undefined;
}

const ACCOUNT_TEMPLATE = '{account_id}';

/** The OIDC root with `{account_id}` filled in; undefined while the account ID is unknown. */
function oidcRoot(endpoint: string, accountId: string | undefined): string | undefined {
  if (!endpoint.includes(ACCOUNT_TEMPLATE)) return endpoint.replace(/\/+$/, '');
  return accountId === undefined
    ? undefined
    : endpoint.replaceAll(ACCOUNT_TEMPLATE, accountId).replace(/\/+$/, '');
}

function isOnHost(url: string, host: Host): boolean {
  try {
    const parsed = new URL(url);
    return parsed.origin === host.url && !hasSpaceOrControl(url) && parsed.search === '';
  } catch {
    return false;
  }
}

/** RFC 8414's `token_endpoint`; a failure leaves the host-name rules to decide. */
async function discoverTokenEndpoint(
  ctx: CallContext,
  host: Host,
  root: string,
): Promise<string | undefined> {
  const url = `${root}/.well-known/oauth-authorization-server`;
  try {
    const label = { stage: 'discovery', what: 'OAuth server metadata request' } as const;
    const response = await callWithRetries(ctx, label, () => ({
      method: 'GET',
      url,
      headers: { Accept: 'application/json' },
    }));
    const endpoint = stringField(parseJsonObject(response.body), 'token_endpoint');
    if (response.status === 200 && endpoint !== undefined && isOnHost(endpoint, host))
      return endpoint;
    ctx.log.info(
      `OAuth server metadata: no usable token_endpoint (HTTP ${response.status}); deciding from the host name`,
    );
  } catch (error) {
    if (!(error instanceof StageError)) throw error;
    ctx.log.info(
      `OAuth server metadata: not available (${error.message}); deciding from the host name`,
    );
  }
  return undefined;
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

const SET_ACCOUNT_ID =
  'Set account-id to your Databricks account ID (account console, top right menu)';

/**
 * The Databricks SDKs' order: an account console if the name or the metadata says so, a unified
 * host if the metadata says so; the token endpoint the OAuth metadata names, else the host-name
 * rule; the audience from the input, else the metadata's default, else the account ID (an account
 * console, or metadata without a workspace_id: GO `config.go`, PY `config.py`), else the token
 * endpoint.
 */
export function resolveTarget(config: Config, given: HostMetadata | undefined): Target {
  const { host } = config;
  if (!trustsMetadata(host) && config.audience === undefined) throw audienceNeeded(host);
  const metadata = trustsMetadata(host) ? given : undefined;
  const kind = hostKind(host, metadata);
  const accountId = config.accountId ?? metadata?.accountId;
  if (kind === 'account' && accountId === undefined)
    throw new ConfigurationError(
      'discovery',
      `${host.url} is an account console, but the account ID is unknown`,
      SET_ACCOUNT_ID,
    );
  // As the SDKs (PY config.py: "account_id is required"): its endpoint is account-scoped.
  if (kind === 'unified' && accountId === undefined && metadata?.tokenEndpoint === undefined)
    throw new ConfigurationError(
      'discovery',
      `${host.url} is a unified host, but the account ID is unknown`,
      SET_ACCOUNT_ID,
    );
  const tokenEndpoint =
    metadata?.tokenEndpoint ??
    (kind !== 'workspace' && accountId !== undefined
      ? `${host.url}/oidc/accounts/${accountId}/v1/token`
      : `${host.url}/oidc/v1/token`);
  const accountAudience =
    kind === 'account' || (metadata !== undefined && metadata.workspaceId === undefined)
      ? accountId
      : undefined;
  const [audience, audienceSource] = resolveAudience(
    config.audience,
    metadata,
    accountAudience,
    tokenEndpoint,
  );
  const workspaceId = kind === 'account' ? undefined : metadata?.workspaceId;
  return { host, kind, accountId, workspaceId, tokenEndpoint, audience, audienceSource };
}

function hostKind(host: Host, metadata: HostMetadata | undefined): Target['kind'] {
  if (host.kind === 'account' || metadata?.hostType === 'account') return 'account';
  return metadata?.hostType === 'unified' ? 'unified' : 'workspace';
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
