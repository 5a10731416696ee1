import { shellQuote } from '../secrets/text.ts';
import { audiences, type TokenClaims } from '../subject-token/claims.ts';
import { CI_ROWS, type CiName } from './catalog.ts';

/**
 * On a CI where the job's YAML sets the audience, one that is neither of the audiences a policy
 * should hold (the account ID, the token endpoint) was most likely set by mistake: the audience to
 * recommend instead (the policy is then built on it, and the YAML changed to match), or undefined.
 */
export function audienceToRecommend(
  ci: CiName | undefined,
  claims: TokenClaims,
  expected: readonly (string | undefined)[],
): string | undefined {
  const known = expected.filter((value) => value !== undefined);
  if (ci === undefined || CI_ROWS[ci].audienceSetIn === undefined || known.length === 0)
    return undefined;
  return audiences(claims).some((aud) => known.includes(aud)) ? undefined : known[0];
}

export interface SuggestedPolicy {
  issuer: string;
  audiences: string[];
  subject: string;
  subject_claim?: string;
}

/**
 * The federation policy that accepts this token: `sub`, or the stable claim where `sub` varies;
 * with `audience` (see audienceToRecommend), the one the token should have had instead of its own.
 */
export function suggestPolicy(
  ci: CiName | undefined,
  claims: TokenClaims,
  audience?: string,
): SuggestedPolicy {
  const pinned = ci === undefined ? undefined : CI_ROWS[ci].pinnedClaim;
  const pinnedValue = pinned === undefined ? undefined : claims[pinned];
  const base = {
    issuer: claims.iss ?? '<iss of your token>',
    audiences: audience === undefined ? audiences(claims) : [audience],
  };
  if (pinned !== undefined && (typeof pinnedValue === 'string' || typeof pinnedValue === 'number'))
    return { ...base, subject: String(pinnedValue), subject_claim: pinned };
  return { ...base, subject: claims.sub ?? '<sub of your token>' };
}

/** Account-wide federation maps a claim's value to a Databricks user name; CI tokens rarely hold one. */
export const ACCOUNT_WIDE_CLAIM =
  '<claim whose value is a Databricks user name or service principal application ID>';

/**
 * The two `databricks` CLI commands that create it: for one service principal, and account-wide.
 * An account federation policy must not set `subject`: its `subject_claim` names the claim that
 * holds the Databricks user name the token signs in as.
 */
export function policyCommands(policy: SuggestedPolicy): {
  servicePrincipal: string;
  accountWide: string;
} {
  const { issuer, audiences } = policy;
  const accountPolicy = { issuer, audiences, subject_claim: ACCOUNT_WIDE_CLAIM };
  const create = (policyJson: object): string =>
    `--json ${shellQuote(JSON.stringify({ oidc_policy: policyJson }))}`;
  return {
    servicePrincipal: `databricks account service-principal-federation-policy create <SERVICE_PRINCIPAL_NUMERIC_ID> ${create(policy)}`,
    accountWide: `databricks account federation-policy create ${create(accountPolicy)}`,
  };
}
