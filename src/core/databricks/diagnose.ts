import { CI_ROWS, type CiName } from '../ci/catalog.ts';
import {
  audienceToRecommend,
  policyCommands,
  suggestPolicy,
  type SuggestedPolicy,
} from '../ci/policy.ts';
import { audiences, type TokenClaims } from '../subject-token/claims.ts';
import type { Target } from './discovery.ts';

/**
 * What a federation policy must contain to accept this very token, and the command that creates it.
 * Printed when Databricks refuses the exchange, which the error text alone rarely explains. The
 * policy is the `policy` command's own: on a CI whose `sub` changes every run, it pins the stable
 * claim with `subject_claim`.
 */
export function explainRefusal(
  claims: TokenClaims | undefined,
  target: Target,
  clientId: string | undefined,
  ci?: CiName,
): string[] {
  if (claims === undefined)
    return ['The token could not be decoded, so no matching policy can be suggested.'];
  const recommended = audienceToRecommend(ci, claims, [target.accountId, target.tokenEndpoint]);
  const policy = suggestPolicy(ci, claims, recommended);
  const tokenAudiences = audiences(claims);
  return [
    'The token Databricks was shown:',
    `  issuer (iss):   ${policy.issuer}`,
    `  audience (aud): ${tokenAudiences.join(', ') || '(none)'}`,
    `  subject (sub):  ${claims.sub ?? '<sub of your token>'}`,
    ...pinnedClaim(policy),
    ...audienceAdvice(tokenAudiences, target, ci, recommended),
    ...(clientId === undefined
      ? accountPolicy(policy, ci)
      : servicePrincipalPolicy(policy, clientId)),
  ];
}

function pinnedClaim(policy: SuggestedPolicy): string[] {
  if (policy.subject_claim === undefined) return [];
  return [
    `  ${policy.subject_claim}: ${policy.subject}`,
    `On this CI, sub is not stable from run to run (it carries the user, commit or step), so a policy on sub accepts few jobs: pin the stable claim instead, with "subject_claim": "${policy.subject_claim}" and "subject": "${policy.subject}".`,
  ];
}

function audienceAdvice(
  tokenAudiences: string[],
  target: Target,
  ci: CiName | undefined,
  recommended: string | undefined,
): string[] {
  const setIn = ci === undefined ? undefined : CI_ROWS[ci].audienceSetIn;
  if (recommended !== undefined)
    return [
      `The token's audience is neither the account ID nor the token endpoint of this host, and it is set in ${setIn ?? 'the job'}, not by this tool: set it there to ${recommended} (the policy below lists that one) rather than build a policy on an audience that may be a mistake.`,
    ];
  const { accountId } = target;
  if (accountId === undefined || tokenAudiences.includes(accountId)) return [];
  const policyHas = `A policy without "audiences" accepts only the account ID (${accountId}) as audience`;
  if (target.audienceSource !== 'token')
    return [
      `${policyHas}: either list the audience above in the policy, or set the input audience: ${accountId}.`,
    ];
  const fixedBy = ci === undefined ? undefined : CI_ROWS[ci].fixedAudience;
  const or =
    fixedBy !== undefined
      ? ` (${fixedBy} fixes the audience of its token: nothing else can change it)`
      : setIn !== undefined
        ? `, or set ${setIn} to ${accountId}`
        : `, or have the token minted for the audience ${accountId}`;
  return [`${policyHas}: list the audience above in the policy${or}.`];
}

function servicePrincipalPolicy(policy: SuggestedPolicy, clientId: string): string[] {
  const matched = policy.subject_claim === undefined ? 'subject' : `subject_claim and subject`;
  return [
    `A service principal federation policy that accepts this job must have exactly this issuer and ${matched}, and list this audience (subjects are matched exactly, no wildcards). Check also that client-id ${clientId} is the application ID of the service principal that owns the policy.`,
    "An account admin creates it with the service principal's numeric ID (Account console > User management > Service principals), not its application ID:",
    `  ${policyCommands(policy).servicePrincipal}`,
  ];
}

function accountPolicy(policy: SuggestedPolicy, ci: CiName | undefined): string[] {
  const whose = ci === undefined || ci === 'github' ? "GitHub's" : "A CI job's";
  return [
    'No client-id was given, so this was account-wide federation: an account federation policy must match the issuer and audience, and the claim named by its subject_claim must hold the Databricks user name (e-mail or service principal application ID) of an existing identity.',
    `${whose} sub claim is never such a name: for a job, set client-id to a service principal's application ID, and have an account admin create its federation policy with the service principal's numeric ID:`,
    `  ${policyCommands(policy).servicePrincipal}`,
  ];
}
