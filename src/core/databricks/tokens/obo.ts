import { StageError } from '../../errors.ts';
import { nonEmptyString, type JsonObject } from '../../http/json.ts';
import { callRest, RestError } from '../../http/rest.ts';
import type { CallContext } from '../../http/retry.ts';
import { isTokenId, isUuid, serverDate } from '../../secrets/server-values.ts';
import { neutralise, preview } from '../../secrets/text.ts';
import { expiryOf, readCreatedToken, type Bearer, type Pat, type PatRequest } from './pat.ts';
import { deadBearer, isDeadBearer } from '../dead-bearer.ts';
import { isAzureHost } from '../host.ts';
import { explainTokenRefusal } from './refusals.ts';

const SCIM_PAGE = 100;

export interface ServicePrincipal {
  /** The numeric SCIM id: the owner_id of its tokens. */
  id: string;
  applicationId: string;
  displayName: string;
}

export interface ManagedToken {
  id: string;
  comment: string;
  ownerId: string | undefined;
  createdAt: Date | undefined;
  expiresAt: Date | undefined;
}

/** By application ID (a UUID) or display name (FIVETRAN_USER), through the SCIM filter. */
export async function findServicePrincipal(
  ctx: CallContext,
  bearer: Bearer,
  nameOrId: string,
): Promise<ServicePrincipal> {
  const attribute = isUuid(nameOrId) ? 'applicationId' : 'displayName';
  const filter = `${attribute} eq "${nameOrId.replaceAll('"', '')}"`;
  const found: ServicePrincipal[] = [];
  // The next page starts after what this one returned (GO service/iam/impl.go), not after SCIM_PAGE:
  // a server may cap a page below the count asked for.
  for (let start = 1; ;) {
    const query = new URLSearchParams({
      filter,
      startIndex: String(start),
      count: String(SCIM_PAGE),
    });
    const page = await callRest(ctx, {
      stage: 'obo',
      what: 'GET /api/2.0/preview/scim/v2/ServicePrincipals',
      method: 'GET',
      url: `${bearer.workspaceUrl}/api/2.0/preview/scim/v2/ServicePrincipals?${query.toString()}`,
      bearer: bearer.token,
    }).catch((error: unknown) => {
      throw error instanceof RestError ? notAdmin(error) : error;
    });
    const resources = Array.isArray(page['Resources']) ? (page['Resources'] as unknown[]) : [];
    found.push(...resources.flatMap(readServicePrincipal));
    start += resources.length;
    if (resources.length === 0 || start > Number(page['totalResults'] ?? 0)) break;
  }
  const principal = found[0];
  if (principal === undefined || found.length > 1)
    throw new StageError(
      'obo',
      `${found.length === 0 ? 'no' : 'more than one'} service principal has ${attribute} "${echoed(nameOrId)}"`,
      'Give the application ID (a UUID) of the partner service principal, e.g. from Settings > Identity and access > Service principals',
    );
  return principal;
}

/**
 * The name as given, if it is short enough to be a display name; a longer one may be a secret in
 * the wrong flag: only its start and length.
 */
function echoed(nameOrId: string): string {
  return nameOrId.length <= 40 ? neutralise(nameOrId) : preview(nameOrId);
}

function readServicePrincipal(value: unknown): ServicePrincipal[] {
  if (typeof value !== 'object' || value === null) return [];
  const object = value as JsonObject;
  const id = nonEmptyString(object['id']);
  const applicationId = nonEmptyString(object['applicationId']);
  // Ids go into URLs, hand-offs and logs: one that is not of its kind is no principal of ours.
  if (id === undefined || applicationId === undefined) return [];
  if (!isTokenId(id) || !isUuid(applicationId)) return [];
  return [{ id, applicationId, displayName: nonEmptyString(object['displayName']) ?? '' }];
}

/** An on-behalf-of token for a service principal (AWS and GCP only). Not idempotent. */
export async function mintOboToken(
  ctx: CallContext,
  bearer: Bearer,
  principal: ServicePrincipal,
  request: PatRequest,
): Promise<Pat> {
  let json: JsonObject;
  try {
    json = await callRest(ctx, {
      stage: 'obo',
      what: 'POST /api/2.0/token-management/on-behalf-of/tokens',
      method: 'POST',
      url: `${bearer.workspaceUrl}/api/2.0/token-management/on-behalf-of/tokens`,
      bearer: bearer.token,
      body: {
        application_id: principal.applicationId,
        lifetime_seconds: request.lifetimeSeconds,
        comment: request.comment,
      },
      idempotent: false,
    });
  } catch (error) {
    if (!(error instanceof RestError)) throw error;
    throw (
      oboUnavailable(error, bearer.workspaceUrl) ??
      explainTokenRefusal(
        'obo',
        error,
        { applicationId: principal.applicationId },
        request.lifetimeSeconds,
      ) ??
      notAdmin(error)
    );
  }
  return readCreatedToken(ctx, json, 'obo', request.comment);
}

/** Every live token of the workspace owned by the principal (filtered here on owner_id). */
export async function listTokensOf(
  ctx: CallContext,
  bearer: Bearer,
  principal: ServicePrincipal,
): Promise<ManagedToken[]> {
  const json = await callRest(ctx, {
    stage: 'obo',
    what: 'GET /api/2.0/token-management/tokens',
    method: 'GET',
    url: `${bearer.workspaceUrl}/api/2.0/token-management/tokens`,
    bearer: bearer.token,
  }).catch((error: unknown) => {
    throw error instanceof RestError ? notAdmin(error) : error;
  });
  const infos = Array.isArray(json['token_infos']) ? (json['token_infos'] as unknown[]) : [];
  return infos.flatMap(readManagedToken).filter((t) => t.ownerId === principal.id);
}

function readManagedToken(value: unknown): ManagedToken[] {
  if (typeof value !== 'object' || value === null) return [];
  const object = value as JsonObject;
  const id = nonEmptyString(object['token_id']);
  // Never listed, so never deleted or printed: an id that is not one is no token of the rotation.
  if (id === undefined || !isTokenId(id)) return [];
  const owner = object['owner_id'];
  const created = object['creation_time'];
  return [
    {
      id,
      comment: nonEmptyString(object['comment']) ?? '',
      ownerId: owner === undefined || owner === null ? undefined : String(owner),
      createdAt: serverDate(created),
      expiresAt: expiryOf(object['expiry_time']),
    },
  ];
}

/** DELETE of another identity's token; already gone counts as deleted. */
export async function deleteManagedToken(
  ctx: CallContext,
  bearer: Bearer,
  tokenId: string,
): Promise<void> {
  try {
    await callRest(ctx, {
      stage: 'obo',
      what: `DELETE /api/2.0/token-management/tokens/${tokenId}`,
      method: 'DELETE',
      url: `${bearer.workspaceUrl}/api/2.0/token-management/tokens/${encodeURIComponent(tokenId)}`,
      bearer: bearer.token,
    });
  } catch (error) {
    if (
      error instanceof RestError &&
      (error.status === 404 || error.errorCode === 'RESOURCE_DOES_NOT_EXIST')
    )
      return;
    throw error instanceof RestError ? notAdmin(error) : error;
  }
}

/**
 * E2 (databricks/cli#596): "On-behalf-of token creation for service principals is not enabled";
 * E3 (MicrosoftDocs/azure-docs#105809): Azure answers "On-Behalf of tokens are not enabled for this
 * workspace", a feature an admin cannot turn on there, so Azure gets the self-token advice.
 */
/** What works where on-behalf-of tokens do not (Azure). */
const SELF_TOKEN =
  'the self-token alternative: a federation policy on the partner service principal itself, and a PAT minted as it with pat-lifetime';

const AZURE_TEXT = /on-behalf of tokens are not enabled/i;

function oboUnavailable(error: RestError, workspaceUrl: string): StageError | undefined {
  const notEnabled = error.errorCode === 'FEATURE_DISABLED' || /not enabled/i.test(error.message);
  const azure = isAzureHost(workspaceUrl) || AZURE_TEXT.test(error.message);
  if (azure && (notEnabled || error.status === 404))
    return new StageError(
      'obo',
      `this workspace has no on-behalf-of tokens (${error.message}); Databricks offers them on AWS and GCP, not on Azure`,
      `On Azure, use ${SELF_TOKEN}`,
    );
  if (notEnabled)
    return new StageError(
      'obo',
      `on-behalf-of tokens are not enabled in this workspace (${error.message})`,
      'A workspace admin enables token usage for service principals; or rotate with the self-token alternative (a federation policy on the partner service principal and a job-scoped PAT minted as it: pat-lifetime)',
    );
  if (error.status === 404 || error.errorCode === 'ENDPOINT_NOT_FOUND')
    return new StageError(
      'obo',
      `this workspace has no on-behalf-of token API (${error.message})`,
      `Databricks offers it on AWS and GCP, not on Azure; use ${SELF_TOKEN}`,
    );
  return undefined;
}

function notAdmin(error: RestError): StageError {
  if (isDeadBearer(error)) return deadBearer('obo', error);
  if (error.status === 403)
    return new StageError(
      'obo',
      `Databricks refused a Token Management call (${error.message})`,
      'The rotating identity must be a workspace admin (a member of the admins group)',
    );
  return new StageError(
    'obo',
    `a Token Management call failed (${error.message})`,
    'Re-run the job; if it persists, check the workspace status',
  );
}
