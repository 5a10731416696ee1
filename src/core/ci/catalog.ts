// Every CI this tool knows, one plain-data row each, and nothing else: no imports, so that the
// cached `token` path (src/cli/cached-token.ts) reads it without loading any token source. The only
// place, with src/core/ci/sources/, that names a CI's variables (test/project/ci-catalog.test.ts).

/** How a runner hides a value from its log: GitHub's ::add-mask::, Azure's task.setsecret, … */
export type Masking = 'add-mask' | 'setsecret' | 'redactor' | 'none';

export interface CiRow {
  /** As `--ci` names it. */
  readonly name: string;
  /** For the log, `doctor` and the docs. */
  readonly label: string;
  /** How the note on masking names it, where that is not the label. */
  readonly maskingLabel?: string;
  /** Set (non-empty), any of these says the CI runs here, tried in this order; `X_*` is X or X_<tag>. */
  readonly markers: readonly string[];
  /** Detected without being asked for (Kubernetes is not: a pod is no CI job). */
  readonly ambient: boolean;
  /** The job's name: its prefix, and the variables of repository, run, attempt and job ('' = none). */
  readonly job: {
    readonly prefix: string;
    readonly parts: readonly [string, string, string, string];
  };
  /** The CI's own credentials in the job's environment: secrets before anything can print them. */
  readonly credentials: readonly string[];
  readonly masking: Masking;
  /** The job's own temp directory (emptied after the job), for files that outlive a step. */
  readonly tempDirectory?: string;
  /** The issuer's subject shape, for `policy`, `doctor` and the docs. */
  readonly subjectShape: string;
  /** Where `sub` changes every run, the claim a policy must pin instead (`subject_claim`). */
  readonly pinnedClaim?: string;
  /** Where the job sets its token's audience itself: no flag of ours changes it. */
  readonly audienceSetIn?: string;
  /** Whose audience the token carries when nobody chooses it (Azure's, CircleCI's org ID). */
  readonly fixedAudience?: string;
}

/** Ambient CIs in the order they are tried (specific variables before incidental ones), then the rest. */
const ROWS = [
  {
    name: 'azure-devops',
    label: 'Azure Pipelines',
    markers: ['TF_BUILD'],
    ambient: true,
    job: {
      prefix: 'azure',
      parts: ['BUILD_REPOSITORY_NAME', 'BUILD_BUILDID', 'SYSTEM_JOBATTEMPT', 'SYSTEM_JOBID'],
    },
    credentials: ['SYSTEM_ACCESSTOKEN'],
    masking: 'setsecret',
    tempDirectory: 'AGENT_TEMPDIRECTORY',
    subjectShape:
      'p://<org>/<project>/<pipeline> (sc://<org>/<project>/<connection> with a service connection)',
    fixedAudience: 'Azure Pipelines',
  },
  {
    name: 'github',
    label: 'GitHub Actions',
    markers: ['ACTIONS_ID_TOKEN_REQUEST_URL', 'GITHUB_ACTIONS'],
    ambient: true,
    job: {
      prefix: 'gha',
      parts: ['GITHUB_REPOSITORY', 'GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT', 'GITHUB_JOB'],
    },
    credentials: ['ACTIONS_ID_TOKEN_REQUEST_TOKEN'],
    masking: 'add-mask',
    tempDirectory: 'RUNNER_TEMP',
    subjectShape: 'repo:<owner>/<repo>:environment:<env> (or :ref:refs/heads/<branch>)',
  },
  {
    name: 'circleci',
    label: 'CircleCI',
    markers: ['CIRCLECI'],
    ambient: true,
    job: {
      prefix: 'circleci',
      parts: ['CIRCLE_PROJECT_REPONAME', 'CIRCLE_WORKFLOW_ID', '', 'CIRCLE_BUILD_NUM'],
    },
    credentials: [],
    masking: 'none',
    subjectShape:
      'org/<org id>/project/<project id>/user/<user id> (changes per user: pin oidc.circleci.com/project-id)',
    pinnedClaim: 'oidc.circleci.com/project-id',
    fixedAudience: 'CircleCI',
  },
  {
    name: 'buildkite',
    label: 'Buildkite',
    markers: ['BUILDKITE'],
    ambient: true,
    job: {
      prefix: 'buildkite',
      parts: [
        'BUILDKITE_PIPELINE_SLUG',
        'BUILDKITE_BUILD_NUMBER',
        'BUILDKITE_RETRY_COUNT',
        'BUILDKITE_JOB_ID',
      ],
    },
    credentials: ['BUILDKITE_AGENT_ACCESS_TOKEN'],
    masking: 'redactor',
    subjectShape:
      'organization:<org>:pipeline:<pipeline>:ref:<ref>:commit:<sha>:step:<step> (changes per commit: pin pipeline_id)',
    pinnedClaim: 'pipeline_id',
  },
  {
    name: 'gitlab',
    label: 'GitLab CI/CD',
    maskingLabel: 'GitLab',
    markers: ['GITLAB_CI'],
    ambient: true,
    job: { prefix: 'gitlab', parts: ['CI_PROJECT_PATH', 'CI_PIPELINE_ID', '', 'CI_JOB_ID'] },
    credentials: [],
    masking: 'none',
    subjectShape: 'project_path:<group>/<project>:ref_type:branch:ref:<branch>',
    audienceSetIn: 'aud: of the token under id_tokens: in .gitlab-ci.yml',
  },
  {
    name: 'bitbucket',
    label: 'Bitbucket Pipelines',
    markers: ['BITBUCKET_STEP_OIDC_TOKEN', 'BITBUCKET_BUILD_NUMBER'],
    ambient: true,
    job: {
      prefix: 'bitbucket',
      parts: ['BITBUCKET_REPO_FULL_NAME', 'BITBUCKET_BUILD_NUMBER', '', 'BITBUCKET_STEP_UUID'],
    },
    credentials: [],
    masking: 'none',
    subjectShape: '{<repository uuid>}:{<step uuid>} (changes per step: pin repositoryUuid)',
    pinnedClaim: 'repositoryUuid',
    audienceSetIn: 'oidc: audiences: of the step in bitbucket-pipelines.yml',
  },
  {
    name: 'terraform-cloud',
    label: 'HCP Terraform',
    markers: ['TFC_WORKLOAD_IDENTITY_TOKEN_*', 'TFC_RUN_ID'],
    ambient: true,
    // HashiCorp, "HCP Terraform run environment": TFC_RUN_ID, TFC_WORKSPACE_SLUG (org/workspace).
    job: { prefix: 'tfc', parts: ['TFC_WORKSPACE_SLUG', 'TFC_RUN_ID', '', ''] },
    credentials: [],
    masking: 'none',
    subjectShape:
      'organization:<org>:project:<project>:workspace:<workspace>:run_phase:<plan|apply>',
    audienceSetIn: 'the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE_DATABRICKS',
  },
  {
    name: 'jenkins',
    label: 'Jenkins',
    markers: ['JENKINS_URL'],
    ambient: true,
    job: { prefix: 'jenkins', parts: ['JOB_NAME', 'BUILD_NUMBER', '', ''] },
    credentials: [],
    masking: 'none',
    subjectShape: 'the JOB_URL of the job',
    audienceSetIn: "the audience of the OIDC provider plugin's credential",
  },
  {
    name: 'kubernetes',
    label: 'Kubernetes',
    markers: ['KUBERNETES_SERVICE_HOST'],
    ambient: false,
    // The pod's name (HOSTNAME): a runner pod per job is the job.
    job: { prefix: 'kubernetes', parts: ['', '', '', 'HOSTNAME'] },
    credentials: [],
    masking: 'none',
    subjectShape: 'system:serviceaccount:<namespace>:<service account>',
    audienceSetIn: 'audience: of the projected serviceAccountToken',
  },
] as const satisfies readonly CiRow[];

export type CiName = (typeof ROWS)[number]['name'];

export const CI_CATALOG: readonly (CiRow & { readonly name: CiName })[] = ROWS;

const CI_NAMES: readonly CiName[] = CI_CATALOG.map((row) => row.name);

/** What `--ci` takes: detect, one CI, or an explicit source. */
export type CiChoice = 'auto' | CiName | 'env' | 'file';
export const CI_CHOICES: readonly CiChoice[] = ['auto', ...CI_NAMES, 'env', 'file'];

/**
 * The runners that read a step's output for masking commands, by the variable each sets (to this
 * value): GitHub's first, since a TF_BUILD in a GitHub job is just a variable (see maskingRunner).
 * Their temp directories are tried in the same order.
 */
export const OUTPUT_READERS: readonly { ci: CiName; variable: string; value?: string }[] = [
  { ci: 'github', variable: 'GITHUB_ACTIONS', value: 'true' },
  { ci: 'azure-devops', variable: 'TF_BUILD' },
];

/** Each CI's row by its name. */
export const CI_ROWS = Object.fromEntries(CI_CATALOG.map((row) => [row.name, row])) as Readonly<
  Record<CiName, CiRow>
>;
