import { randomBytes } from 'node:crypto';
import type { Call } from './dispatch.ts';
import { bearerToken, invalidAccessToken, isReply, restError, type Reply } from './http-util.ts';
import type { Identity } from './policies.ts';
import type { IssuedToken } from './types.ts';

export interface TokenGrant {
  token: IssuedToken;
  identity: Identity;
}

/** Databricks OAuth access tokens the emulator issued, and the bearer check of the REST APIs. */
export class TokenStore {
  readonly issued: IssuedToken[] = [];
  readonly #grants = new Map<string, TokenGrant>();
  readonly #addSecret: (value: string) => void;
  readonly #otherCredentials: Array<(presented: string) => TokenGrant | Reply | undefined> = [];

  constructor(addSecret: (value: string) => void) {
    this.#addSecret = addSecret;
  }

  issue(identity: Identity, scope: string, lifetimeSeconds: number, host: IssuedToken['host']) {
    const token: IssuedToken = {
      token: randomBytes(48).toString('base64url'),
      userName: identity.userName,
      expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
      scope,
      host,
    };
    this.#addSecret(token.token);
    this.issued.push(token);
    this.#grants.set(token.token, { token, identity });
    return token;
  }

  /**
   * Makes authenticate() also accept credentials this store did not issue (the PATs): `check`
   * answers a grant, a REST error, or undefined for a value it does not know. Kept across reset().
   */
  acceptAlso(check: (presented: string) => TokenGrant | Reply | undefined): void {
    this.#otherCredentials.push(check);
  }

  #lookup(presented: string | undefined): TokenGrant | Reply | undefined {
    if (presented === undefined) return undefined;
    const grant = this.#grants.get(presented);
    if (grant) return grant;
    for (const check of this.#otherCredentials) {
      const other = check(presented);
      if (other) return other;
    }
    return undefined;
  }

  /**
   * The grant behind a request's bearer token, or the REST error to answer. Tokens minted at the
   * account token endpoint are accepted on the workspace too: both belong to the one emulated
   * account, and the real behaviour is UNCONFIRMED (no public source; the live check asks).
   */
  authenticate(call: Call, requiredScope = 'all-apis'): TokenGrant | Reply {
    const grant = this.#lookup(bearerToken(call.headers['authorization']));
    // Recorded: 403 {"error_code": 403, "message": "Invalid access token."} for an invalid or
    // expired bearer (databricks/databricks-sdk-go#873, #917, #1046; contract audit C3), with the
    // numeric error_code. Whether an expired token gets the same text is UNCONFIRMED.
    if (!grant) return invalidAccessToken();
    if (isReply(grant)) return grant;
    if (grant.token.expiresAt.getTime() <= Date.now()) return invalidAccessToken();
    if (!grant.token.scope.split(' ').includes(requiredScope)) {
      return restError(
        403,
        'PERMISSION_DENIED',
        `Provided OAuth token does not have required scopes: ${requiredScope}`,
      );
    }
    return grant;
  }

  reset(): void {
    this.issued.length = 0;
    this.#grants.clear();
  }
}
