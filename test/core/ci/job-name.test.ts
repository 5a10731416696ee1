import { describe, expect, it } from 'vitest';
import { jobName } from '../../../src/core/index.ts';

describe('jobName', () => {
  it('names repository, run, attempt and job on GitHub', () => {
    expect(
      jobName({
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/etl',
        GITHUB_RUN_ID: '42',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_JOB: 'deploy',
      }),
    ).toBe('gha/acme/etl/run/42/2/deploy');
  });

  it('uses each CI its own variables, with unknown for what the CI does not say', () => {
    expect(
      jobName({
        TF_BUILD: 'True',
        BUILD_REPOSITORY_NAME: 'etl',
        BUILD_BUILDID: '7',
        SYSTEM_JOBATTEMPT: '1',
        SYSTEM_JOBID: 'j-1',
      }),
    ).toBe('azure/etl/run/7/1/j-1');
    expect(
      jobName({ BUILDKITE: 'true', BUILDKITE_PIPELINE_SLUG: 'etl', BUILDKITE_JOB_ID: 'b' }),
    ).toBe('buildkite/etl/run/unknown/unknown/b');
    expect(jobName({ JENKINS_URL: 'https://ci', JOB_NAME: 'etl', BUILD_NUMBER: '9' })).toBe(
      'jenkins/etl/run/9/unknown/unknown',
    );
  });

  it('outside a known CI says so', () => {
    expect(jobName({})).toBe('databricks-oidc/local/run/unknown/unknown/unknown');
  });
});
