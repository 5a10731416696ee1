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

export interface SuggestedPolicy {
  issuer: string;
  audiences: string[];
  subject: string;
  subject_claim?: string;
}

/** The federation policy that accepts this token: `sub`, or the stable claim where `sub` varies. */
export function suggestPolicy(ci: CiName | undefined, claims: TokenClaims): SuggestedPolicy {
  const pinned = ci === undefined ? undefined : PINNED_CLAIM[ci];
  const pinnedValue = pinned === undefined ? undefined : claims[pinned];
  const base = {
    issuer: claims.iss ?? '<iss of your token>',
    audiences: audiences(claims),
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
