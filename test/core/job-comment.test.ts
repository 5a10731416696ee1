import { describe, expect, it } from 'vitest';
import { jobPatComment } from '../../src/core/index.ts';

describe('jobPatComment', () => {
  it('names repository, run, attempt and job on GitHub', () => {
    expect(
      jobPatComment({
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
      jobPatComment({
        TF_BUILD: 'True',
        BUILD_REPOSITORY_NAME: 'etl',
        BUILD_BUILDID: '7',
        SYSTEM_JOBATTEMPT: '1',
        SYSTEM_JOBID: 'j-1',
      }),
    ).toBe('azure/etl/run/7/1/j-1');
    expect(
      jobPatComment({ BUILDKITE: 'true', BUILDKITE_PIPELINE_SLUG: 'etl', BUILDKITE_JOB_ID: 'b' }),
    ).toBe('buildkite/etl/run/unknown/unknown/b');
    expect(jobPatComment({ JENKINS_URL: 'https://ci', JOB_NAME: 'etl', BUILD_NUMBER: '9' })).toBe(
      'jenkins/etl/run/9/unknown/unknown',
    );
  });

  it('outside a known CI says so', () => {
    expect(jobPatComment({})).toBe('databricks-oidc/local/run/unknown/unknown/unknown');
  });
});
