import type { Environment } from './subject-token/github-actions.ts';

/** The variables that name a CI job: repository or project, run, attempt, job. */
const JOB_VARIABLES: ReadonlyArray<{ ci: string; marker: string; parts: readonly string[] }> = [
  {
    ci: 'gha',
    marker: 'GITHUB_ACTIONS',
    parts: ['GITHUB_REPOSITORY', 'GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT', 'GITHUB_JOB'],
  },
  {
    ci: 'azure',
    marker: 'TF_BUILD',
    parts: ['BUILD_REPOSITORY_NAME', 'BUILD_BUILDID', 'SYSTEM_JOBATTEMPT', 'SYSTEM_JOBID'],
  },
  {
    ci: 'gitlab',
    marker: 'GITLAB_CI',
    parts: ['CI_PROJECT_PATH', 'CI_PIPELINE_ID', '', 'CI_JOB_ID'],
  },
  {
    ci: 'circleci',
    marker: 'CIRCLECI',
    parts: ['CIRCLE_PROJECT_REPONAME', 'CIRCLE_WORKFLOW_ID', '', 'CIRCLE_BUILD_NUM'],
  },
  {
    ci: 'buildkite',
    marker: 'BUILDKITE',
    parts: [
      'BUILDKITE_PIPELINE_SLUG',
      'BUILDKITE_BUILD_NUMBER',
      'BUILDKITE_RETRY_COUNT',
      'BUILDKITE_JOB_ID',
    ],
  },
  {
    ci: 'bitbucket',
    marker: 'BITBUCKET_BUILD_NUMBER',
    parts: ['BITBUCKET_REPO_FULL_NAME', 'BITBUCKET_BUILD_NUMBER', '', 'BITBUCKET_STEP_UUID'],
  },
  { ci: 'jenkins', marker: 'JENKINS_URL', parts: ['JOB_NAME', 'BUILD_NUMBER', '', ''] },
];

/**
 * The job, in one form on every CI: `<ci>/<repository or project>/run/<run id>/<attempt>/<job>`,
 * with `unknown` for what the CI does not say. Outside a known CI:
 * `databricks-oidc/local/run/unknown/unknown/unknown`. A job-scoped PAT's default comment (which a
 * later sweep can parse) and part of the cached token's key.
 */
export function jobName(env: Environment): string {
  const job = JOB_VARIABLES.find(({ marker }) => (env[marker] ?? '') !== '');
  const part = (name: string): string => (name === '' ? '' : env[name]) || 'unknown';
  const [project, run, attempt, name] = (job?.parts ?? ['', '', '', '']).map(part);
  return `${job?.ci ?? 'databricks-oidc'}/${job === undefined ? 'local' : project}/run/${run}/${attempt}/${name}`;
}
