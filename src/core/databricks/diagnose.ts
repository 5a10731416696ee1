import { audiences, type TokenClaims } from '../subject-token/claims.ts';
import { shellQuote } from '../secrets/text.ts';
import type { Target } from './discovery.ts';

/**
 * What a federation policy must contain to accept this very token, and the command that creates it.
 * Printed when Databricks refuses the exchange, which the error text alone rarely explains.
 */
export function explainRefusal(
  claims: TokenClaims | undefined,
  target: Target,
  clientId: string | undefined,
): string[] {
  if (claims === undefined)
    return ['The token could not be decoded, so no matching policy can be suggested.'];
  const issuer = claims.iss ?? '<iss of your token>';
  const subject = claims.sub ?? '<sub of your token>';
  const tokenAudiences = audiences(claims);
  const lines = [
    'The token Databricks was shown:',
    `  issuer (iss):   ${issuer}`,
    `  audience (aud): ${tokenAudiences.join(', ') || '(none)'}`,
    `  subject (sub):  ${subject}`,
    ...audienceAdvice(tokenAudiences, target),
  ];
  return [
    ...lines,
    ...(clientId === undefined
      ? accountPolicy(issuer, tokenAudiences, subject)
      : servicePrincipalPolicy(issuer, tokenAudiences, subject, clientId)),
  ];
}

function audienceAdvice(tokenAudiences: string[], target: Target): string[] {
  if (target.accountId === undefined || tokenAudiences.includes(target.accountId)) return [];
  return [
    `A policy without "audiences" accepts only the account ID (${target.accountId}) as audience: either list the audience above in the policy, or set the input audience: ${target.accountId}.`,
  ];
}

function servicePrincipalPolicy(
  issuer: string,
  tokenAudiences: string[],
  subject: string,
  clientId: string,
): string[] {
  return [
    `A service principal federation policy that accepts this job must have exactly this issuer and subject, and list this audience (subjects are matched exactly, no wildcards). Check also that client-id ${clientId} is the application ID of the service principal that owns the policy.`,
    "An account admin creates it with the service principal's numeric ID (Account console > User management > Service principals), not its application ID:",
    createPolicyCommand(issuer, tokenAudiences, subject),
  ];
}

function accountPolicy(issuer: string, tokenAudiences: string[], subject: string): string[] {
  return [
    'No client-id was given, so this was account-wide federation: an account federation policy must match the issuer and audience, and the claim named by its subject_claim must hold the Databricks user name (e-mail or service principal application ID) of an existing identity.',
    "GitHub's sub claim is never such a name: for a job, set client-id to a service principal's application ID, and have an account admin create its federation policy with the service principal's numeric ID:",
    createPolicyCommand(issuer, tokenAudiences, subject),
  ];
}

/** The command that creates the service principal policy this very token would match. */
function createPolicyCommand(issuer: string, tokenAudiences: string[], subject: string): string {
  const policy = { oidc_policy: { issuer, audiences: tokenAudiences, subject } };
  return `  databricks account service-principal-federation-policy create <SERVICE_PRINCIPAL_NUMERIC_ID> --json ${shellQuote(JSON.stringify(policy))}`;
}
