// Token API (/api/2.0/token/*), Token Management API (/api/2.0/token-management/*) and the token
// permissions (/api/2.0/permissions/authorization/tokens) on the workspace server.
//
// Shapes follow databricks/databricks-sdk-go service/settings/impl.go and model.go (TokenInfo,
// CreateOboTokenResponse; contract audit D1-D7, E1-E7). UNCONFIRMED unless noted: every
// HTTP status and message below, except `User does not have permission to use tokens.`,
// `requirement failed: Invalid timeout: 0`, `On-behalf-of token creation for service principals is
// not enabled for this workspace`, and RESOURCE_DOES_NOT_EXIST for an unknown token id.

import type { Call, Route } from './dispatch.ts';
import { isReply, jsonReply, restError, type Reply } from './http-util.ts';
import {
  NO_CAN_USE_MESSAGE,
  TOKENS_DISABLED_MESSAGE,
  type CreateRequest,
  type PatStore,
} from './pats.ts';
import type { Identity } from './policies.ts';
import type { ServicePrincipalStore } from './service-principals.ts';
import type { PatRecord } from './token-types.ts';
import type { TokenStore } from './tokens.ts';
import { WORKSPACE_ID } from './databricks.ts';

type Body = Record<string, unknown>;

const OBO_DISABLED_MESSAGE =
  'On-behalf-of token creation for service principals is not enabled for this workspace';
const DAY_SECONDS = 86_400;

const invalid = (message: string) => restError(400, 'INVALID_PARAMETER_VALUE', message);

function parseBody(call: Call, allowed: string[]): Body | Reply {
  if (call.body.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(call.body);
  } catch {
    return restError(400, 'MALFORMED_REQUEST', 'Could not parse request body as JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return restError(400, 'MALFORMED_REQUEST', 'Request body must be a JSON object.');
  }
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  return unknown === undefined ? (value as Body) : invalid(`Unknown field '${unknown}'.`);
}

/**
 * Seconds until expiry, undefined for none, or the error. CONFLICT in the reference for an omitted
 * lifetime ("2 years" / "workspace maximum" / "indefinitely"): we give no expiry, or the workspace
 * maximum when `maxTokenLifetimeDays` is set. A negative lifetime means no expiry (KB, SECONDARY),
 * which a workspace maximum refuses.
 */
function lifetime(body: Body, maxDays: number): number | undefined | Reply {
  const raw = body['lifetime_seconds'];
  const max = maxDays > 0 ? maxDays * DAY_SECONDS : undefined;
  if (raw === undefined) return max;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) {
    return invalid("'lifetime_seconds' must be an integer.");
  }
  if (raw === 0) return invalid('requirement failed: Invalid timeout: 0');
  if (max !== undefined && (raw < 0 || raw > max)) {
    return invalid(
      `Token lifetime ${raw < 0 ? 'without expiry' : `of ${raw} seconds`} exceeds the maximum ` +
        `lifetime of ${maxDays} days allowed by this workspace (maxTokenLifetimeDays).`,
    );
  }
  return raw < 0 ? undefined : raw;
}

function comment(body: Body): string | Reply {
  const value = body['comment'] ?? '';
  return typeof value === 'string' ? value : invalid("'comment' must be a string.");
}

function expiryMs(t: PatRecord): number {
  return t.expiresAt?.getTime() ?? -1;
}

function publicTokenInfo(t: PatRecord): Record<string, unknown> {
  return {
    token_id: t.tokenId,
    creation_time: t.createdAt.getTime(),
    expiry_time: expiryMs(t),
    comment: t.comment,
  };
}

function tokenInfo(t: PatRecord): Record<string, unknown> {
  return {
    ...publicTokenInfo(t),
    created_by_id: Number(t.createdById),
    created_by_username: t.createdByUserName,
    owner_id: Number(t.ownerId),
    workspace_id: Number(WORKSPACE_ID),
  };
}

/** The checks every token creation passes, then the creation. */
function createToken(
  pats: PatStore,
  body: Body,
  request: Omit<CreateRequest, 'comment' | 'lifetimeSeconds'>,
): PatRecord | Reply {
  const { settings } = pats;
  if (!settings.tokensEnabled) return restError(403, 'PERMISSION_DENIED', TOKENS_DISABLED_MESSAGE);
  if (!pats.canUse(request.owner.userName)) {
    return restError(403, 'PERMISSION_DENIED', NO_CAN_USE_MESSAGE);
  }
  const text = comment(body);
  if (isReply(text)) return text;
  const seconds = lifetime(body, settings.maxTokenLifetimeDays);
  if (isReply(seconds)) return seconds;
  const owned = pats.live(request.owner.userName).length;
  if (owned >= settings.quotaPerIdentity) {
    return restError(
      400,
      'QUOTA_EXCEEDED',
      `Cannot create more than ${settings.quotaPerIdentity} tokens for '${request.owner.userName}'.`,
    );
  }
  return pats.create({ ...request, comment: text, lifetimeSeconds: seconds });
}

function notFoundToken(tokenId: string): Reply {
  return restError(404, 'RESOURCE_DOES_NOT_EXIST', `Token with id '${tokenId}' does not exist.`);
}

interface Deps {
  tokens: TokenStore;
  pats: PatStore;
  servicePrincipals: ServicePrincipalStore;
}

type Handler = (identity: Identity, call: Call) => Reply;

function authenticated(deps: Deps, handle: Handler, adminOnly = false): (call: Call) => Reply {
  return (call) => {
    const grant = deps.tokens.authenticate(call);
    if (isReply(grant)) return grant;
    if (adminOnly && !deps.pats.isAdmin(grant.identity.userName)) {
      return restError(
        403,
        'PERMISSION_DENIED',
        'Only workspace admins can manage tokens of other principals.',
      );
    }
    return handle(grant.identity, call);
  };
}

function tokenCreate(deps: Deps, caller: Identity, call: Call): Reply {
  const body = parseBody(call, ['lifetime_seconds', 'comment', 'scopes', 'autoscope_enabled']);
  if (isReply(body)) return body;
  const record = createToken(deps.pats, body, { owner: caller, createdBy: caller, kind: 'pat' });
  if (isReply(record)) return record;
  return jsonReply(200, { token_value: record.value, token_info: publicTokenInfo(record) });
}

function tokenDelete(deps: Deps, caller: Identity, call: Call): Reply {
  const body = parseBody(call, ['token_id']);
  if (isReply(body)) return body;
  const id = body['token_id'];
  if (typeof id !== 'string' || id === '') return invalid("'token_id' must be a non-empty string.");
  const record = deps.pats.byId(id);
  if (!record || record.ownerUserName !== caller.userName) return notFoundToken(id);
  deps.pats.revoke(record);
  return deleted(deps.pats);
}

/** See PatSettings.deleteAnswer: the body of a successful delete is UNCONFIRMED. */
function deleted(pats: PatStore): Reply {
  const answer = pats.settings.deleteAnswer;
  if (answer === 'empty-200') return { status: 200, headers: {}, body: '' };
  if (answer === 'no-content') return { status: 204, headers: {}, body: '' };
  return jsonReply(200, {});
}

function oboCreate(deps: Deps, caller: Identity, call: Call): Reply {
  const settings = deps.pats.settings;
  if (settings.onBehalfOf === 'disabled') {
    return restError(400, 'FEATURE_DISABLED', OBO_DISABLED_MESSAGE);
  }
  const body = parseBody(call, [
    'application_id',
    'lifetime_seconds',
    'comment',
    'scopes',
    'autoscope_enabled',
  ]);
  if (isReply(body)) return body;
  const applicationId = body['application_id'];
  if (typeof applicationId !== 'string' || applicationId === '') {
    return invalid("'application_id' must be a non-empty string.");
  }
  const owner = deps.servicePrincipals.identity(applicationId);
  if (!owner) {
    return restError(
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Service principal with application id '${applicationId}' does not exist.`,
    );
  }
  // UNCONFIRMED: created_by_* is the admin caller (the reference cannot tell caller from SP).
  const record = createToken(deps.pats, body, { owner, createdBy: caller, kind: 'obo' });
  if (isReply(record)) return record;
  return jsonReply(200, { token_value: record.value, token_info: tokenInfo(record) });
}

function managementList(deps: Deps, call: Call): Reply {
  const byId = call.query.get('created_by_id');
  const byName = call.query.get('created_by_username');
  if (byId !== null && !/^\d+$/.test(byId)) return invalid("'created_by_id' must be an integer.");
  const infos = deps.pats
    .live()
    .filter((t) => byId === null || t.createdById === byId)
    .filter((t) => byName === null || t.createdByUserName === byName)
    .map(tokenInfo);
  return jsonReply(200, { token_infos: infos });
}

function managementToken(deps: Deps, call: Call, remove: boolean): Reply {
  const id = call.params['tokenId'] ?? '';
  const record = deps.pats.byId(id);
  if (!record) return notFoundToken(id);
  if (!remove) return jsonReply(200, { token_info: tokenInfo(record) });
  deps.pats.revoke(record);
  return deleted(deps.pats);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tokenPermissions(pats: PatStore): Reply {
  const level = (permission_level: string) => [{ permission_level, inherited: false }];
  const acl: Array<Record<string, unknown>> = [
    { group_name: 'admins', all_permissions: level('CAN_MANAGE') },
  ];
  if (pats.settings.canUseByDefault)
    acl.push({ group_name: 'users', all_permissions: level('CAN_USE') });
  for (const [name, allowed] of pats.grants()) {
    if (!allowed) continue;
    const key = UUID.test(name) ? 'service_principal_name' : 'user_name';
    acl.push({ [key]: name, all_permissions: level('CAN_USE') });
  }
  return jsonReply(200, {
    object_id: 'authorization/tokens',
    object_type: 'tokens',
    access_control_list: acl,
  });
}

/** PATCH adds CAN_USE grants (group `users` = everyone); the real PUT would replace the ACL. */
function patchTokenPermissions(pats: PatStore, call: Call): Reply {
  // Known quirk (terraform-provider-databricks#1122): no token in the workspace, no token ACL.
  if (pats.live().length === 0) {
    return restError(404, 'RESOURCE_DOES_NOT_EXIST', 'tokens tokens does not exist');
  }
  const body = parseBody(call, ['access_control_list']);
  if (isReply(body)) return body;
  const list = body['access_control_list'];
  if (!Array.isArray(list)) return invalid("'access_control_list' must be an array.");
  for (const entry of list as unknown[]) {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (e['permission_level'] !== 'CAN_USE') {
      return invalid(`Permission level '${String(e['permission_level'])}' is not allowed.`);
    }
    const principal = e['user_name'] ?? e['service_principal_name'] ?? e['group_name'];
    if (typeof principal !== 'string' || principal === '') {
      return invalid('Each entry needs user_name, service_principal_name or group_name.');
    }
    if (e['group_name'] === 'users') pats.settings.canUseByDefault = true;
    else pats.setCanUse(principal, true);
  }
  return tokenPermissions(pats);
}

const TOKEN_ID = '(?<tokenId>[^/]+)';

export const AZURE_OBO_MESSAGE = 'On-Behalf of tokens are not enabled for this workspace.';

export function tokenRoutes(deps: Deps): Route[] {
  // MicrosoftDocs/azure-docs#105809 records Azure's text; its status and code are UNCONFIRMED.
  const oboUnavailable = () => restError(400, 'INVALID_PARAMETER_VALUE', AZURE_OBO_MESSAGE);
  return [
    {
      name: 'tokens.create',
      method: 'POST',
      pattern: /^\/api\/2\.0\/token\/create$/,
      handle: authenticated(deps, (caller, call) => tokenCreate(deps, caller, call)),
    },
    {
      name: 'tokens.list',
      method: 'GET',
      pattern: /^\/api\/2\.0\/token\/list$/,
      handle: authenticated(deps, (caller) =>
        jsonReply(200, { token_infos: deps.pats.live(caller.userName).map(publicTokenInfo) }),
      ),
    },
    {
      name: 'tokens.delete',
      method: 'POST',
      pattern: /^\/api\/2\.0\/token\/delete$/,
      handle: authenticated(deps, (caller, call) => tokenDelete(deps, caller, call)),
    },
    {
      name: 'token-management.create-obo',
      method: 'POST',
      pattern: /^\/api\/2\.0\/token-management\/on-behalf-of\/tokens$/,
      handle: (call) =>
        deps.pats.settings.onBehalfOf === 'unavailable'
          ? oboUnavailable()
          : authenticated(deps, (caller, c) => oboCreate(deps, caller, c), true)(call),
    },
    {
      name: 'token-management.list',
      method: 'GET',
      pattern: /^\/api\/2\.0\/token-management\/tokens$/,
      handle: authenticated(deps, (_caller, call) => managementList(deps, call), true),
    },
    {
      name: 'token-management.get',
      method: 'GET',
      pattern: new RegExp(`^/api/2\\.0/token-management/tokens/${TOKEN_ID}$`),
      handle: authenticated(deps, (_caller, call) => managementToken(deps, call, false), true),
    },
    {
      name: 'token-management.delete',
      method: 'DELETE',
      pattern: new RegExp(`^/api/2\\.0/token-management/tokens/${TOKEN_ID}$`),
      handle: authenticated(deps, (_caller, call) => managementToken(deps, call, true), true),
    },
    {
      name: 'permissions.tokens',
      method: 'GET',
      pattern: /^\/api\/2\.0\/permissions\/authorization\/tokens$/,
      handle: authenticated(deps, () => tokenPermissions(deps.pats), true),
    },
    {
      name: 'permissions.tokens',
      method: 'PATCH',
      pattern: /^\/api\/2\.0\/permissions\/authorization\/tokens$/,
      handle: authenticated(deps, (_caller, call) => patchTokenPermissions(deps.pats, call), true),
    },
  ];
}
