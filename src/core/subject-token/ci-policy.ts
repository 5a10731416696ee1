import { shellQuote } from '../secrets/text.ts';
import { audiences, type TokenClaims } from './claims.ts';
import type { CiName } from './ci-detector.ts';

/** Where `sub` changes every run, the claim a policy must pin instead (`subject_claim`). */
const PINNED_CLAIM: Partial<Record<CiName, string>> = {
  circleci: 'oidc.circleci.com/project-id',
  buildkite: 'pipeline_id',
  bitbucket: 'repositoryUuid',
};

/** The issuer and subject shape of each CI, for `policy`, `doctor` and the docs. */
export const CI_SUBJECT_SHAPES: Record<CiName, string> = {
  github: 'repo:<owner>/<repo>:environment:<env> (or :ref:refs/heads/<branch>)',
  gitlab: 'project_path:<group>/<project>:ref_type:branch:ref:<branch>',
  'azure-devops':
    'p://<org>/<project>/<pipeline> (sc://<org>/<project>/<connection> with a service connection)',
  circleci:
    'org/<org id>/project/<project id>/user/<user id> (changes per user: pin oidc.circleci.com/project-id)',
  buildkite:
    'organization:<org>:pipeline:<pipeline>:ref:<ref>:commit:<sha>:step:<step> (changes per commit: pin pipeline_id)',
  bitbucket: '{<repository uuid>}:{<step uuid>} (changes per step: pin repositoryUuid)',
  jenkins: 'the JOB_URL of the job',
  'terraform-cloud':
    'organization:<org>:project:<project>:workspace:<workspace>:run_phase:<plan|apply>',
  kubernetes: 'system:serviceaccount:<namespace>:<service account>',
};

/** Where a job on these CIs sets its token's audience itself: no flag of ours changes it. */
export const AUDIENCE_SET_IN: Partial<Record<CiName, string>> = {
  gitlab: 'aud: of the token under id_tokens: in .gitlab-ci.yml',
  kubernetes: 'audience: of the projected serviceAccountToken',
  jenkins: "the audience of the OIDC provider plugin's credential",
  'terraform-cloud': 'the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE_DATABRICKS',
  bitbucket: 'oidc: audiences: of the step in bitbucket-pipelines.yml',
};

/** CIs whose token carries an audience nobody chooses (Azure's, CircleCI's organization ID). */
export const FIXED_AUDIENCE: Partial<Record<CiName, string>> = {
  'azure-devops': 'Azure Pipelines',
  circleci: 'CircleCI',
};

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
  if (ci === undefined || AUDIENCE_SET_IN[ci] === undefined || known.length === 0) return undefined;
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
  const pinned = ci === undefined ? undefined : PINNED_CLAIM[ci];
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
