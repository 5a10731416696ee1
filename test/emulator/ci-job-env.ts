// The environment of a job on the CIs whose token is handed to the job, not requested by it:
// GitLab (`id_tokens:`), Bitbucket (`oidc: true`), HCP Terraform (workload identity), Jenkins
// (`withCredentials` binding of an "OpenID Connect id token"), Kubernetes (projected token file).

import { BITBUCKET } from './ci-claims.ts';
import type { IssuerHandle } from './ci-issuers.ts';
import type {
  BitbucketSide,
  GitLabSide,
  JenkinsSide,
  KubernetesSide,
  TerraformCloudSide,
} from './types.ts';

const text = (value: unknown) => String(value ?? '');

export function createGitLabSide(ciUrl: string, handle: IssuerHandle): GitLabSide {
  const side: GitLabSide = Object.assign(handle.issuer, {
    jobEnv: (aud: string | string[], variable = 'DATABRICKS_OIDC_TOKEN') => ({
      CI: 'true',
      GITLAB_CI: 'true',
      CI_SERVER_URL: `${ciUrl}/gitlab`,
      CI_PROJECT_PATH: text(side.claims['project_path']),
      CI_PROJECT_ID: text(side.claims['project_id']),
      CI_COMMIT_REF_NAME: text(side.claims['ref']),
      CI_COMMIT_SHA: text(side.claims['sha']),
      CI_PIPELINE_ID: text(side.claims['pipeline_id']),
      CI_JOB_ID: text(side.claims['job_id']),
      [variable]: side.mintJwt({ aud }),
    }),
  });
  return side;
}

export function createBitbucketSide(handle: IssuerHandle): BitbucketSide {
  const side: BitbucketSide = Object.assign(handle.issuer, {
    jobEnv: (aud?: string | string[]) => ({
      CI: 'true',
      BITBUCKET_BUILD_NUMBER: '17',
      BITBUCKET_WORKSPACE: BITBUCKET.workspace,
      BITBUCKET_REPO_UUID: text(side.claims['repositoryUuid']),
      BITBUCKET_PIPELINE_UUID: text(side.claims['pipelineUuid']),
      BITBUCKET_STEP_UUID: text(side.claims['stepUuid']),
      BITBUCKET_BRANCH: text(side.claims['branchName']),
      BITBUCKET_STEP_OIDC_TOKEN: side.mintJwt(aud === undefined ? {} : { aud }),
    }),
  });
  return side;
}

export function createTerraformCloudSide(handle: IssuerHandle): TerraformCloudSide {
  const side: TerraformCloudSide = Object.assign(handle.issuer, {
    jobEnv: (aud: string, tag?: string) => {
      const suffix = tag === undefined ? '' : `_${tag}`;
      return {
        TFC_RUN_ID: text(side.claims['terraform_run_id']),
        TFC_WORKSPACE_NAME: text(side.claims['terraform_workspace_name']),
        // "organization/workspace" (HashiCorp, HCP Terraform run environment: environment variables).
        TFC_WORKSPACE_SLUG: `${text(side.claims['terraform_organization_name'])}/${text(side.claims['terraform_workspace_name'])}`,
        TFC_PROJECT_NAME: text(side.claims['terraform_project_name']),
        TF_CLOUD_ORGANIZATION: text(side.claims['terraform_organization_name']),
        [`TFC_WORKLOAD_IDENTITY_AUDIENCE${suffix}`]: aud,
        [`TFC_WORKLOAD_IDENTITY_TOKEN${suffix}`]: side.mintJwt({ aud }),
      };
    },
  });
  return side;
}

export function createJenkinsSide(ciUrl: string, handle: IssuerHandle): JenkinsSide {
  const side: JenkinsSide = Object.assign(handle.issuer, {
    jobEnv: (aud?: string, variable = 'DATABRICKS_OIDC_TOKEN') => ({
      JENKINS_URL: `${ciUrl}/jenkins/`,
      JOB_URL: side.claims.sub,
      JOB_NAME: 'deploy',
      BUILD_NUMBER: text(side.claims['build_number']),
      [variable]: side.mintJwt(aud === undefined ? {} : { aud }),
    }),
  });
  return side;
}

export function createKubernetesSide(handle: IssuerHandle): KubernetesSide {
  return Object.assign(handle.issuer, {
    jobEnv: () => ({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }),
  });
}
