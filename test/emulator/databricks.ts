// Workspace and account-console routes: host metadata, OAuth discovery, token exchange, SCIM Me.

import type { Call, Route } from './dispatch.ts';
import { htmlReply, isReply, jsonReply, oauthError, restError, type Reply } from './http-util.ts';
import type { Identity } from './policies.ts';
import { tokenExchangeHandler, type ExchangeDeps } from './token-exchange.ts';
import type { TokenStore } from './tokens.ts';
import type { Emulator } from './types.ts';

export const WORKSPACE_ID = '1234567890123456';

type Deps = Omit<ExchangeDeps, 'host'>;

function oauthMetadata(issuer: string): Reply {
  return jsonReply(200, {
    issuer,
    authorization_endpoint: `${issuer}/v1/authorize`,
    token_endpoint: `${issuer}/v1/token`,
    jwks_uri: `${issuer}/jwks.json`,
    response_types_supported: ['code', 'id_token'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: [
      'client_credentials',
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['all-apis', 'sql', 'offline_access', 'openid', 'profile', 'email'],
  });
}

/**
 * The shape of the Go SDK's fixture `TestGetHostMetadata_WorkspaceStaticOIDCEndpoint`
 * (config/host_metadata_test.go): `host_type` is `workspace`, `account` or `unified` (GO
 * `normalizeHostType`, commit aa1af2fa). A unified host (`host_type: 'unified'`, test overrides)
 * has the account-scoped `oidc_endpoint` of the SPOG fixtures (config/auth_profiles_test.go).
 */
function workspaceMetadata(emulator: Emulator): Reply {
  const { url, metadata } = emulator.workspace;
  if (metadata === 'absent') return htmlReply(404, '404 Not Found');
  const unified = metadata['host_type'] === 'unified';
  return jsonReply(200, {
    host_type: 'workspace',
    oidc_endpoint: unified ? `${url}/oidc/accounts/{account_id}` : `${url}/oidc`,
    workspace_id: WORKSPACE_ID,
    account_id: emulator.account.accountId,
    cloud: 'AWS',
    ...metadata,
  });
}

/**
 * The Go SDK's fixture `TestGetHostMetadata_AccountHostRawOIDCTemplate`: only the templated
 * `oidc_endpoint`, so the account ID must come from the settings; `host_type` as in the
 * `LA` profile of config/auth_profiles_test.go (a loopback console has no telling name).
 */
function accountMetadata(emulator: Emulator): Reply {
  const { url, metadata } = emulator.account;
  if (metadata === 'absent') return htmlReply(404, '404 Not Found');
  return jsonReply(200, {
    host_type: 'account',
    oidc_endpoint: `${url}/oidc/accounts/{account_id}`,
    ...metadata,
  });
}

function isUnified(emulator: Emulator): boolean {
  const { metadata } = emulator.workspace;
  return metadata !== 'absent' && metadata['host_type'] === 'unified';
}

function scimUser(identity: Identity): Record<string, unknown> {
  const isUser = identity.kind === 'user';
  return {
    schemas: [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:workspace:2.0:User',
    ],
    id: identity.id,
    userName: identity.userName,
    displayName: identity.displayName,
    active: true,
    emails: isUser ? [{ type: 'work', value: identity.userName, primary: true }] : [],
    groups: [],
    entitlements: [],
  };
}

function scimMe(tokens: TokenStore, call: Call): Reply {
  const grant = tokens.authenticate(call);
  return isReply(grant) ? grant : jsonReply(200, scimUser(grant.identity));
}

export function workspaceRoutes(emulator: Emulator, deps: Deps): Route[] {
  const exchange = tokenExchangeHandler({ ...deps, host: 'workspace' });
  const accountExchange = tokenExchangeHandler({ ...deps, host: 'account' });
  // Only a unified host answers the account-scoped OIDC paths (UNCONFIRMED for classic ones).
  const unifiedOnly =
    (handle: (call: Call) => Reply | Promise<Reply>) =>
    (call: Call): Reply | Promise<Reply> =>
      isUnified(emulator) && call.params['accountId'] === emulator.account.accountId
        ? handle(call)
        : htmlReply(404, '404 Not Found');
  return [
    {
      name: 'workspace.metadata',
      method: 'GET',
      pattern: /^\/\.well-known\/databricks-config$/,
      handle: () => workspaceMetadata(emulator),
    },
    {
      name: 'workspace.oauth-metadata',
      method: 'GET',
      pattern: /^\/oidc\/\.well-known\/oauth-authorization-server$/,
      handle: () => oauthMetadata(`${emulator.workspace.url}/oidc`),
    },
    {
      name: 'workspace.token',
      method: 'POST',
      pattern: /^\/oidc\/v1\/token$/,
      handle: exchange,
      rateLimited: true,
    },
    {
      name: 'unified.oauth-metadata',
      method: 'GET',
      pattern: /^\/oidc\/accounts\/(?<accountId>[^/]+)\/\.well-known\/oauth-authorization-server$/,
      handle: unifiedOnly(() =>
        oauthMetadata(`${emulator.workspace.url}/oidc/accounts/${emulator.account.accountId}`),
      ),
    },
    {
      name: 'unified.token',
      method: 'POST',
      pattern: /^\/oidc\/accounts\/(?<accountId>[^/]+)\/v1\/token$/,
      handle: unifiedOnly(accountExchange),
      rateLimited: true,
    },
    {
      name: 'workspace.scim',
      method: 'GET',
      pattern: /^\/api\/2\.0\/preview\/scim\/v2\/Me$/,
      handle: (call) => scimMe(deps.tokens, call),
    },
  ];
}

function unknownAccount(accountId: string): Reply {
  return oauthError(404, 'invalid_request', `Account '${accountId}' not found`);
}

export function accountRoutes(emulator: Emulator, deps: Deps): Route[] {
  const exchange = tokenExchangeHandler({ ...deps, host: 'account' });
  const known = (call: Call) => call.params['accountId'] === emulator.account.accountId;
  return [
    {
      name: 'account.metadata',
      method: 'GET',
      pattern: /^\/\.well-known\/databricks-config$/,
      handle: () => accountMetadata(emulator),
    },
    {
      name: 'account.oauth-metadata',
      method: 'GET',
      pattern: /^\/oidc\/accounts\/(?<accountId>[^/]+)\/\.well-known\/oauth-authorization-server$/,
      handle: (call) =>
        known(call)
          ? oauthMetadata(`${emulator.account.url}/oidc/accounts/${emulator.account.accountId}`)
          : restError(404, 'NOT_FOUND', `Account '${call.params['accountId'] ?? ''}' not found`),
    },
    {
      name: 'account.token',
      method: 'POST',
      pattern: /^\/oidc\/accounts\/(?<accountId>[^/]+)\/v1\/token$/,
      handle: (call) =>
        known(call) ? exchange(call) : unknownAccount(call.params['accountId'] ?? ''),
      rateLimited: true,
    },
  ];
}
