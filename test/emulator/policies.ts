import { createHash } from 'node:crypto';
import type { AccountPolicy, FederationPolicies, ServicePrincipalPolicy } from './types.ts';

/** A Databricks identity a federated token can belong to. */
export interface Identity {
  /** Numeric Databricks id (the SCIM `id`). */
  id: string;
  /** E-mail for users, application id (UUID) for service principals. */
  userName: string;
  displayName: string;
  kind: 'user' | 'service-principal';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stable numeric Databricks id for a user name. */
export function numericId(userName: string): string {
  const hex = createHash('sha256').update(userName).digest('hex').slice(0, 12);
  return String(1_000_000_000_000_000n + BigInt(`0x${hex}`));
}

function identityFor(userName: string): Identity {
  if (UUID.test(userName)) {
    return {
      id: numericId(userName),
      userName,
      displayName: `sp-${userName.slice(0, 8)}`,
      kind: 'service-principal',
    };
  }
  return {
    id: numericId(userName),
    userName,
    displayName: userName.split('@')[0] ?? userName,
    kind: 'user',
  };
}

function requireText(value: unknown, what: string): void {
  if (typeof value !== 'string' || value === '')
    throw new Error(`${what} must be a non-empty string`);
}

/** The claims of a verified subject token, as the policy matcher reads them. */
export type Claims = Record<string, unknown>;

function audienceMatches(claims: Claims, audiences: string[]): boolean {
  const aud = claims['aud'];
  const values = Array.isArray(aud) ? aud : [aud];
  return values.some((v) => typeof v === 'string' && audiences.includes(v));
}

export class PolicyStore implements FederationPolicies {
  readonly #accountId: string;
  #servicePrincipalPolicies: ServicePrincipalPolicy[] = [];
  #accountPolicies: AccountPolicy[] = [];
  readonly #identities = new Map<string, Identity>();

  constructor(accountId: string) {
    this.#accountId = accountId;
  }

  addServicePrincipalPolicy(p: ServicePrincipalPolicy): void {
    if (!/^\d+$/.test(p.servicePrincipalId)) throw new Error('servicePrincipalId must be numeric');
    if (!UUID.test(p.applicationId)) throw new Error('applicationId must be a UUID');
    requireText(p.issuer, 'issuer');
    requireText(p.subject, 'subject');
    this.#servicePrincipalPolicies.push({ ...p });
    const identity = identityFor(p.applicationId);
    this.#identities.set(p.applicationId, { ...identity, id: p.servicePrincipalId });
  }

  addAccountPolicy(p: AccountPolicy): void {
    requireText(p.issuer, 'issuer');
    this.#accountPolicies.push({ ...p });
  }

  addUser(userName: string): void {
    requireText(userName, 'userName');
    if (!this.#identities.has(userName)) this.#identities.set(userName, identityFor(userName));
  }

  identity(userName: string): Identity | undefined {
    return this.#identities.get(userName);
  }

  /** Every identity added by a policy or addUser, in insertion order. */
  identities(): Identity[] {
    return [...this.#identities.values()];
  }

  isKnownServicePrincipal(applicationId: string): boolean {
    return this.#servicePrincipalPolicies.some((p) => p.applicationId === applicationId);
  }

  /** Policies that could apply to a token from `issuer`, for SP federation or account-wide. */
  candidates(
    issuer: string,
    clientId: string | undefined,
  ): Array<ServicePrincipalPolicy | AccountPolicy> {
    const pool =
      clientId === undefined
        ? this.#accountPolicies
        : this.#servicePrincipalPolicies.filter((p) => p.applicationId === clientId);
    return pool.filter((p) => p.issuer === issuer);
  }

  /** The identity the verified claims authenticate as, or undefined if no policy matches. */
  match(claims: Claims, clientId: string | undefined): Identity | undefined {
    const issuer = claims['iss'];
    if (typeof issuer !== 'string') return undefined;
    for (const policy of this.candidates(issuer, clientId)) {
      if (!audienceMatches(claims, policy.audiences ?? [this.#accountId])) continue;
      const value = claims[policy.subjectClaim ?? 'sub'];
      if (typeof value !== 'string') continue;
      if ('subject' in policy) {
        if (value === policy.subject) return this.#identities.get(policy.applicationId);
      } else {
        const user = this.#identities.get(value);
        if (user) return user;
      }
    }
    return undefined;
  }

  reset(): void {
    this.#servicePrincipalPolicies = [];
    this.#accountPolicies = [];
    this.#identities.clear();
  }
}
