// One OIDC issuer per CI: its own RS256 key, JWT minting, and its discovery document and JWKS
// under the issuer's path on the 'ci' server.

import { randomUUID } from 'node:crypto';
import type { IssuerSpec } from './ci-claims.ts';
import type { Call, Route } from './dispatch.ts';
import { jsonReply, type Reply } from './http-util.ts';
import { publicJwk, signRs256, type SigningKey } from './jwt.ts';
import type { CiIssuer, CiMintOptions, CiMintOverrides } from './types.ts';

export interface IssuerKeys {
  signing: SigningKey;
  /** Signs tokens that must fail verification: its kid is in no JWKS. */
  foreign: SigningKey;
}

/** An issuer plus what the emulator needs internally. */
export interface IssuerHandle {
  issuer: CiIssuer;
  spec: IssuerSpec;
  keys: IssuerKeys;
  /** Restores the default claims. */
  reset(): void;
}

export function createIssuer(
  ciUrl: string,
  spec: IssuerSpec,
  keys: IssuerKeys,
  addSecret: (value: string) => void,
): IssuerHandle {
  const iss = `${ciUrl}${spec.path}`;
  const issuer: CiIssuer = {
    name: spec.name,
    issuer: iss,
    jwksUri: `${iss}/.well-known/jwks`,
    defaultAudience: structuredClone(spec.defaultAudience),
    claims: structuredClone(spec.claims),
    lifetimeSeconds: spec.lifetimeSeconds,
    mintJwt: (overrides: CiMintOverrides = {}, options: CiMintOptions = {}) => {
      const iat = Math.floor(Date.now() / 1000);
      const payload = {
        jti: randomUUID(),
        ...issuer.claims,
        aud: issuer.defaultAudience,
        iss,
        iat,
        nbf: iat,
        exp: iat + (options.expiresInSeconds ?? issuer.lifetimeSeconds),
        ...overrides,
      };
      const jwt = signRs256(payload, options.signWithForeignKey ? keys.foreign : keys.signing);
      addSecret(jwt);
      return jwt;
    },
  };
  return {
    issuer,
    spec,
    keys,
    reset: () => {
      issuer.claims = structuredClone(spec.claims);
      issuer.lifetimeSeconds = spec.lifetimeSeconds;
    },
  };
}

function discovery(issuer: CiIssuer): Reply {
  return jsonReply(200, {
    issuer: issuer.issuer,
    jwks_uri: issuer.jwksUri,
    subject_types_supported: ['public'],
    response_types_supported: ['id_token'],
    claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid'],
  });
}

function byPath(handles: IssuerHandle[], call: Call): IssuerHandle | undefined {
  return handles.find((h) => h.spec.path === call.params['base']);
}

const noIssuer = (call: Call) => jsonReply(404, { message: `No issuer at ${call.path}` });

export function issuerRoutes(handles: IssuerHandle[]): Route[] {
  return [
    {
      name: 'ci.discovery',
      method: 'GET',
      pattern: /^(?<base>(?:\/[^/]+)+)\/\.well-known\/openid-configuration$/,
      handle: (call) => {
        const h = byPath(handles, call);
        return h ? discovery(h.issuer) : noIssuer(call);
      },
    },
    {
      name: 'ci.jwks',
      method: 'GET',
      pattern: /^(?<base>(?:\/[^/]+)+)\/\.well-known\/jwks$/,
      handle: (call) => {
        const h = byPath(handles, call);
        return h ? jsonReply(200, { keys: [publicJwk(h.keys.signing)] }) : noIssuer(call);
      },
    },
  ];
}
