// Per-CI issuer paths, default claims, audiences and lifetimes (shapes from
// each CI's public docs, as listed in test/emulator/README.md; every value below is made up but shaped
// like the real).

import type { CiClaims, CiName } from './types.ts';

export interface IssuerSpec {
  name: CiName;
  /** Path of the issuer on the 'ci' server; `iss` = ci url + path. */
  path: string;
  claims: CiClaims;
  defaultAudience: string | string[];
  lifetimeSeconds: number;
}

const SHA = '714a629c0b401fdce83e847fc9589983fc6f46bc';

export const AZURE = {
  organization: 'my-org',
  orgId: '2f6c3a8e-1b7d-4e0a-9c5f-8d4b7a6e3c21',
  projectName: 'my-project',
  projectId: '5c1e9a47-3d2b-4f86-a0e7-1b9c8d7f6e54',
  pipeline: 'my-pipeline',
  serviceConnection: { id: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b', name: 'my-connection' },
  audience: 'api://AzureADTokenExchange',
} as const;

export const CIRCLE = {
  orgId: 'b1e6c7d2-0a3f-4c59-8e14-6f2d9a7b3c80',
  projectId: 'e4a9f2c1-7b3d-4e58-9a06-2c8d1f5b7e93',
  userId: '3a7c9e1f-5b2d-4f80-a6c4-9e1b3d5f7a20',
} as const;

export const BUILDKITE = {
  organizationId: '0190b7c4-2e5a-7d1f-9c3b-4a6e8f0d2b15',
  pipelineId: '0190b7c4-8f3e-7a2c-b5d1-6e9f0a3c4d27',
  jobId: '0190b7c5-1a2b-7c3d-8e4f-5a6b7c8d9e0f',
  /** Optional claims: only in agent tokens when asked for with `--claim`. */
  optionalClaims: ['organization_id', 'pipeline_id'],
} as const;

export const BITBUCKET = {
  workspace: 'acme',
  workspaceUuid: '{6b1c3e5a-7d9f-4a2b-8c4e-0f1a3b5c7d9e}',
  repositoryUuid: '{a3c5e7f9-1b2d-4f6a-8c0e-2a4c6e8f0b1d}',
  pipelineUuid: '{c7e9a1b3-d5f7-4a9c-8e1b-3d5f7a9c1e3b}',
  stepUuid: '{e1a3c5e7-f9b1-4d3f-a5c7-e9b1d3f5a7c9}',
} as const;

/** GitLab's default: `project_path:{group}/{project}:ref_type:{type}:ref:{ref}`. */
export function gitlabSubject(projectPath: string, refType: string, ref: string): string {
  return `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`;
}

/** CircleCI's V2 subject: the V1 subject plus `/vcs-origin/<origin>/vcs-ref/<ref>`. */
export function circleciSubjectV2(claims: CiClaims): string {
  const origin = String(claims['oidc.circleci.com/vcs-origin']);
  const ref = String(claims['oidc.circleci.com/vcs-ref']);
  return `${claims.sub}/vcs-origin/${origin}/vcs-ref/${ref}`;
}

export function ciSpecs(ciUrl: string, accountId: string): IssuerSpec[] {
  const jenkinsUrl = `${ciUrl}/jenkins/`;
  return [
    {
      name: 'gitlab',
      path: '/gitlab',
      // GitLab: 5 minutes unless the job has a timeout.
      lifetimeSeconds: 300,
      defaultAudience: accountId,
      claims: {
        sub: gitlabSubject('my-group/my-project', 'branch', 'main'),
        namespace_id: '72',
        namespace_path: 'my-group',
        project_id: '20',
        project_path: 'my-group/my-project',
        user_id: '42',
        user_login: 'sam',
        user_email: 'sam@example.com',
        pipeline_id: '574',
        pipeline_source: 'push',
        job_id: '302',
        ref: 'main',
        ref_type: 'branch',
        ref_path: 'refs/heads/main',
        ref_protected: 'true',
        runner_id: 1,
        runner_environment: 'gitlab-hosted',
        sha: SHA,
        project_visibility: 'private',
      },
    },
    {
      name: 'azure-devops',
      path: `/azure-devops/vstoken/${AZURE.orgId}`,
      lifetimeSeconds: 600,
      defaultAudience: AZURE.audience,
      claims: {
        sub: `p://${AZURE.organization}/${AZURE.projectName}/${AZURE.pipeline}`,
        org_id: AZURE.orgId,
        prj_id: AZURE.projectId,
        def_id: '7',
        rpo_id: '8c3d5e7f-9a1b-4c2d-8e3f-5a7b9c1d3e5f',
        rpo_uri: 'https://github.com/my-org/my-repo',
        rpo_ver: SHA,
        rpo_ref: 'refs/heads/main',
        run_id: '1234',
      },
    },
    {
      name: 'circleci',
      path: `/circleci/org/${CIRCLE.orgId}`,
      lifetimeSeconds: 3600,
      defaultAudience: CIRCLE.orgId,
      claims: {
        sub: `org/${CIRCLE.orgId}/project/${CIRCLE.projectId}/user/${CIRCLE.userId}`,
        'oidc.circleci.com/project-id': CIRCLE.projectId,
        'oidc.circleci.com/context-ids': [],
        'oidc.circleci.com/vcs-origin': 'github.com/acme/deploy',
        'oidc.circleci.com/vcs-ref': 'refs/heads/main',
        'oidc.circleci.com/ssh-rerun': false,
      },
    },
    {
      name: 'buildkite',
      path: '/buildkite',
      // UNCONFIRMED: the API's default lifetime; 300 s is what examples show.
      lifetimeSeconds: 300,
      // UNCONFIRMED: the audience the API picks when none is asked for.
      defaultAudience: 'https://buildkite.com/acme',
      claims: {
        sub: `organization:acme:pipeline:deploy:ref:refs/heads/main:commit:${SHA}:step:`,
        organization_slug: 'acme',
        pipeline_slug: 'deploy',
        build_number: 1,
        build_branch: 'main',
        build_commit: SHA,
        step_key: null,
        job_id: BUILDKITE.jobId,
        agent_id: '0190b7c5-9f8e-7d6c-b5a4-93827160fedc',
        organization_id: BUILDKITE.organizationId,
        pipeline_id: BUILDKITE.pipelineId,
      },
    },
    {
      name: 'bitbucket',
      path: `/bitbucket/2.0/workspaces/${BITBUCKET.workspace}/pipelines-config/identity/oidc`,
      // UNCONFIRMED: Bitbucket's token lifetime.
      lifetimeSeconds: 3600,
      defaultAudience: `ari:cloud:bitbucket::workspace/${BITBUCKET.workspaceUuid.slice(1, -1)}`,
      claims: {
        sub: `${BITBUCKET.repositoryUuid}:${BITBUCKET.stepUuid}`,
        workspaceUuid: BITBUCKET.workspaceUuid,
        repositoryUuid: BITBUCKET.repositoryUuid,
        pipelineUuid: BITBUCKET.pipelineUuid,
        stepUuid: BITBUCKET.stepUuid,
        branchName: 'main',
      },
    },
    {
      name: 'terraform-cloud',
      path: '/terraform-cloud',
      // "until the end of the run phase" [SECONDARY]; one hour here.
      lifetimeSeconds: 3600,
      defaultAudience: accountId,
      claims: {
        sub: 'organization:acme:project:Default:workspace:prod:run_phase:apply',
        terraform_organization_id: 'org-GRNbCjYNpBB6NEH9',
        terraform_organization_name: 'acme',
        terraform_project_id: 'prj-vegSA59s1XPwMr2t',
        terraform_project_name: 'Default',
        terraform_workspace_id: 'ws-mbsd5E3Ktt5Rg2Xm',
        terraform_workspace_name: 'prod',
        terraform_full_workspace: 'organization:acme:project:Default:workspace:prod',
        terraform_run_id: 'run-gTuK7jZW7L4C2TGd',
        terraform_run_phase: 'apply',
      },
    },
    {
      name: 'jenkins',
      path: '/jenkins/oidc',
      // The plugin's default tokenLifetime.
      lifetimeSeconds: 3600,
      defaultAudience: accountId,
      claims: { sub: `${jenkinsUrl}job/deploy/`, build_number: 42 },
    },
    {
      name: 'kubernetes',
      path: '/kubernetes',
      lifetimeSeconds: 3600,
      // Kubernetes puts `aud` in an array; the default is the API server.
      defaultAudience: ['https://kubernetes.default.svc'],
      claims: {
        sub: 'system:serviceaccount:ci:deployer',
        'kubernetes.io': {
          namespace: 'ci',
          serviceaccount: { name: 'deployer', uid: '4f1e2d3c-b5a6-4978-8e9f-0a1b2c3d4e5f' },
          pod: { name: 'deploy-7d9f8c6b5-x2k4q', uid: '9a8b7c6d-5e4f-4321-8fed-cba987654321' },
        },
      },
    },
  ];
}
