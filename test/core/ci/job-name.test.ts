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

  it('names the CI detection finds, so a PAT comment and a cache key never say "local" in a CI', () => {
    expect(jobName({ TFC_RUN_ID: 'run-1', TFC_WORKSPACE_SLUG: 'acme/prod' })).toBe(
      'tfc/acme/prod/run/run-1/unknown/unknown',
    );
    expect(jobName({ TFC_WORKLOAD_IDENTITY_TOKEN_DATABRICKS: 'x' })).toBe(
      'tfc/unknown/run/unknown/unknown/unknown',
    );
    expect(jobName({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://t', GITHUB_JOB: 'deploy' })).toBe(
      'gha/unknown/run/unknown/unknown/deploy',
    );
    expect(jobName({ BITBUCKET_STEP_OIDC_TOKEN: 'x', BITBUCKET_STEP_UUID: '{s}' })).toBe(
      'bitbucket/unknown/run/unknown/unknown/{s}',
    );
    expect(jobName({ KUBERNETES_SERVICE_HOST: '10.96.0.1', HOSTNAME: 'runner-abc' })).toBe(
      'kubernetes/unknown/run/unknown/unknown/runner-abc',
    );
  });

  it('takes the CI an edge knows it runs on over a stray marker of another', () => {
    const env = { TF_BUILD: 'True', GITHUB_ACTIONS: 'true', GITHUB_JOB: 'deploy' };
    expect(jobName(env)).toBe('azure/unknown/run/unknown/unknown/unknown');
    expect(jobName(env, 'github')).toBe('gha/unknown/run/unknown/unknown/deploy');
  });

  it('outside a known CI says so', () => {
    expect(jobName({})).toBe('databricks-oidc/local/run/unknown/unknown/unknown');
  });
});
