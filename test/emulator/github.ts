import { randomBytes, randomUUID } from 'node:crypto';
import type { Call, Route } from './dispatch.ts';
import { bearerToken, jsonReply, type Reply } from './http-util.ts';
import { publicJwk, signRs256, type SigningKey } from './jwt.ts';
import type { GitHubClaims, GitHubSide } from './types.ts';

export const DEFAULT_CLAIMS: GitHubClaims = {
  sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
  repository: 'octo-org/octo-repo',
  repository_owner: 'octo-org',
  repository_id: '123456789',
  repository_owner_id: '987654321',
  repository_visibility: 'private',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  ref_protected: 'true',
  sha: 'e6d2f3a1b4c5d6e7f8091a2b3c4d5e6f70819a2b',
  workflow: 'CI',
  workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
  workflow_sha: 'e6d2f3a1b4c5d6e7f8091a2b3c4d5e6f70819a2b',
  job_workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
  job_workflow_sha: 'e6d2f3a1b4c5d6e7f8091a2b3c4d5e6f70819a2b',
  event_name: 'push',
  actor: 'octocat',
  actor_id: '583231',
  run_id: '9876543210',
  run_number: '42',
  run_attempt: '1',
  runner_environment: 'github-hosted',
};

export interface GitHubKeys {
  signing: SigningKey;
  /** Signs tokens that must fail verification: its kid is not in the JWKS. */
  foreign: SigningKey;
}

export interface GitHubSetup {
  issuer: string;
  claims: GitHubClaims;
  keys: GitHubKeys;
  addSecret(value: string): void;
}

type MintOverrides = Partial<GitHubClaims> & { aud?: string };
type MintOptions = { signWithForeignKey?: boolean; expiresInSeconds?: number };

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The token GitHub would issue now: current claims, then the registered claims, then overrides. */
function issueJwt(
  setup: GitHubSetup,
  side: GitHubSide,
  overrides: MintOverrides,
  options: MintOptions,
): string {
  const iat = nowSeconds();
  const payload = {
    jti: randomUUID(),
    ...side.claims,
    aud: `https://github.com/${side.claims.repository_owner}`,
    iss: setup.issuer,
    nbf: iat - 600,
    iat,
    exp: iat + (options.expiresInSeconds ?? side.lifetimeSeconds),
    ...overrides,
  };
  const key = options.signWithForeignKey ? setup.keys.foreign : setup.keys.signing;
  const jwt = signRs256(payload, key);
  setup.addSecret(jwt);
  return jwt;
}

export function createGitHubSide(setup: GitHubSetup): GitHubSide {
  const plan = randomUUID();
  const job = randomUUID();
  const side: GitHubSide = {
    issuer: setup.issuer,
    requestUrl: `${setup.issuer}/_apis/distributedtask/hubs/Actions/plans/${plan}/jobs/${job}/idtoken?api-version=2.0`,
    requestToken: randomBytes(32).toString('base64url'),
    claims: setup.claims,
    lifetimeSeconds: 300,
    mintJwt: (overrides = {}, options = {}) => issueJwt(setup, side, overrides, options),
  };
  setup.addSecret(side.requestToken);
  return side;
}

function githubError(status: number, message: string): Reply {
  return jsonReply(status, { message });
}

function idTokenReply(setup: GitHubSetup, side: GitHubSide, call: Call): Reply {
  if (`${side.issuer}${call.path}` !== side.requestUrl.split('?')[0]) {
    return githubError(404, 'Plan or job not found.');
  }
  if (bearerToken(call.headers['authorization']) !== side.requestToken) {
    return githubError(401, 'Unauthorized: a valid bearer token is required.');
  }
  if (call.query.get('api-version') !== '2.0') {
    return githubError(400, 'The api-version query parameter must be 2.0.');
  }
  const audiences = call.query.getAll('audience');
  if (audiences.length > 1) return githubError(400, 'The audience parameter may be given once.');
  const aud = audiences[0] || undefined;
  const jwt = issueJwt(setup, side, aud === undefined ? {} : { aud }, {});
  return jsonReply(200, { count: 1, value: jwt });
}

function discovery(issuer: string): Reply {
  return jsonReply(200, {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks`,
    subject_types_supported: ['public', 'pairwise'],
    response_types_supported: ['id_token'],
    claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'sha', 'repository']
      .concat(['repository_id', 'repository_owner', 'repository_owner_id', 'run_id', 'run_number'])
      .concat(['run_attempt', 'actor', 'actor_id', 'workflow', 'workflow_ref', 'event_name'])
      .concat(['ref_type', 'job_workflow_ref', 'environment', 'runner_environment']),
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid'],
  });
}

export function githubRoutes(setup: GitHubSetup, side: GitHubSide): Route[] {
  return [
    {
      name: 'github.idtoken',
      method: 'GET',
      pattern: /^\/_apis\/distributedtask\/hubs\/[^/]+\/plans\/[^/]+\/jobs\/[^/]+\/idtoken$/,
      handle: (call) => idTokenReply(setup, side, call),
    },
    {
      name: 'github.discovery',
      method: 'GET',
      pattern: /^\/\.well-known\/openid-configuration$/,
      handle: () => discovery(side.issuer),
    },
    {
      name: 'github.jwks',
      method: 'GET',
      pattern: /^\/\.well-known\/jwks$/,
      handle: () => jsonReply(200, { keys: [publicJwk(setup.keys.signing)] }),
    },
  ];
}
