// The RFC 8693 token exchange at POST /oidc/v1/token and /oidc/accounts/<id>/v1/token.
//
// UNCONFIRMED: every `error_description` below is our own wording. Databricks documents the
// OAuth error shape but not its strings (golang/oauth2 internal/token.go; databricks-sdk-py oauth.py; contract audit B6, B10); clients must treat them as opaque.

import type { Call } from './dispatch.ts';
import { isReply, jsonReply, mediaType, oauthError, type Reply } from './http-util.ts';
import type { JwksClient } from './jwks-client.ts';
import { SUPPORTED_ALGORITHMS, decodeJwt, type DecodedJwt } from './jwt.ts';
import type { PolicyStore } from './policies.ts';
import type { TokenStore } from './tokens.ts';
import type { IssuedToken } from './types.ts';

export const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const SUBJECT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ISSUED_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const ALLOWED_FIELDS = ['grant_type', 'subject_token_type', 'subject_token', 'scope', 'client_id'];
const KNOWN_SCOPES = ['all-apis', 'sql', 'offline_access', 'openid', 'email', 'profile'];
const MAX_LIFETIME_SECONDS = 3600;

export interface ExchangeDeps {
  policies: PolicyStore;
  jwks: JwksClient;
  tokens: TokenStore;
  host: IssuedToken['host'];
}

interface ExchangeForm {
  subjectToken: string;
  scope: string;
  clientId: string | undefined;
}

const invalidRequest = (description: string) => oauthError(400, 'invalid_request', description);

function formProblem(call: Call): string | undefined {
  if (call.headers['authorization'] !== undefined) {
    return 'Client authentication via the Authorization header is not supported for token exchange';
  }
  const type = mediaType(call.headers['content-type']);
  if (type !== 'application/x-www-form-urlencoded') {
    return `Content-Type must be application/x-www-form-urlencoded, got '${type}'`;
  }
  const names = [...new URLSearchParams(call.body).keys()];
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) return `Parameter '${repeated}' is repeated`;
  if (names.includes('client_secret')) return "Parameter 'client_secret' must not be sent";
  const unknown = names.find((n) => !ALLOWED_FIELDS.includes(n));
  return unknown === undefined ? undefined : `Unsupported parameter '${unknown}'`;
}

function fieldProblem(form: URLSearchParams): string | undefined {
  const grantType = form.get('grant_type');
  if (grantType !== GRANT_TYPE) return `Invalid or missing 'grant_type': ${grantType ?? 'absent'}`;
  const tokenType = form.get('subject_token_type');
  if (tokenType !== SUBJECT_TOKEN_TYPE) {
    return `Invalid or missing 'subject_token_type': ${tokenType ?? 'absent'}`;
  }
  if (!form.get('subject_token')) return "Missing required parameter 'subject_token'";
  const scope = form.get('scope');
  if (!scope) return "Missing required parameter 'scope'";
  const unknownScope = scope.split(' ').find((s) => !KNOWN_SCOPES.includes(s));
  if (unknownScope !== undefined) return `Invalid 'scope': unknown scope '${unknownScope}'`;
  if (form.has('client_id') && !form.get('client_id')) return "Parameter 'client_id' is empty";
  return undefined;
}

function parseForm(call: Call): ExchangeForm | Reply {
  const problem = formProblem(call);
  if (problem !== undefined) return invalidRequest(problem);
  const form = new URLSearchParams(call.body);
  const fieldIssue = fieldProblem(form);
  if (fieldIssue !== undefined) return invalidRequest(fieldIssue);
  return {
    subjectToken: form.get('subject_token') ?? '',
    scope: form.get('scope') ?? '',
    clientId: form.get('client_id') ?? undefined,
  };
}

function timeProblem(claims: Record<string, unknown>): string | undefined {
  const now = Date.now() / 1000;
  const { exp, nbf } = claims;
  if (typeof exp !== 'number') return "Subject token has no 'exp' claim";
  if (exp <= now) return 'Subject token is expired';
  if (typeof nbf === 'number' && nbf > now) return 'Subject token is not yet valid (nbf)';
  return undefined;
}

async function verifiedClaims(deps: ExchangeDeps, form: ExchangeForm): Promise<DecodedJwt | Reply> {
  const jwt = decodeJwt(form.subjectToken);
  if (!jwt) return invalidRequest('Invalid subject token: not a JWT');
  const alg = jwt.header['alg'];
  if (!SUPPORTED_ALGORITHMS.some((a) => a === alg)) {
    return invalidRequest(`Invalid subject token: unsupported algorithm '${String(alg)}'`);
  }
  const issuer = jwt.payload['iss'];
  if (form.clientId !== undefined && !deps.policies.isKnownServicePrincipal(form.clientId)) {
    return oauthError(401, 'invalid_client', 'Client authentication failed: unknown client_id');
  }
  if (typeof issuer !== 'string' || deps.policies.candidates(issuer, form.clientId).length === 0) {
    return invalidRequest('Token exchange failed: no matching federation policy');
  }
  const signature = await deps.jwks.check(issuer, jwt);
  if (signature === 'keys-unavailable') {
    return invalidRequest(
      `Token exchange failed: could not fetch signing keys for issuer ${issuer}`,
    );
  }
  if (signature === 'invalid')
    return invalidRequest('Invalid subject token: signature verification failed');
  const problem = timeProblem(jwt.payload);
  return problem === undefined ? jwt : invalidRequest(problem);
}

async function exchange(deps: ExchangeDeps, call: Call): Promise<Reply> {
  const form = parseForm(call);
  if (isReply(form)) return form;
  const jwt = await verifiedClaims(deps, form);
  if (isReply(jwt)) return jwt;
  const identity = deps.policies.match(jwt.payload, form.clientId);
  if (!identity) return invalidRequest('Token exchange failed: no matching federation policy');
  const secondsLeft = Math.floor(Number(jwt.payload['exp']) - Date.now() / 1000);
  const lifetime = Math.max(1, Math.min(MAX_LIFETIME_SECONDS, secondsLeft));
  const issued = deps.tokens.issue(identity, form.scope, lifetime, deps.host);
  const body = {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: lifetime,
    scope: form.scope,
    issued_token_type: ISSUED_TOKEN_TYPE,
  };
  return jsonReply(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
}

export function tokenExchangeHandler(deps: ExchangeDeps): (call: Call) => Promise<Reply> {
  return (call) => exchange(deps, call);
}
