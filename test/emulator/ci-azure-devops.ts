// Azure Pipelines: the job's OIDC token endpoint and the environment of a pipeline job.
//
//   POST {collectionUri}{projectId}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken
//        ?api-version=...[&serviceConnectionId=...]   Authorization: Bearer $SYSTEM_ACCESSTOKEN
//   -> {"oidcToken": "<jwt>"}, aud always api://AzureADTokenExchange
//
// The Databricks SDKs build that URL from SYSTEM_TEAMFOUNDATIONCOLLECTIONURI etc.;
// SYSTEM_OIDCREQUESTURI is the same URL without the query (databricks-sdk-py oidc_token_supplier.py; MicrosoftDocs/azure-devops-docs sprint-240-update.md).
// UNCONFIRMED: the error bodies; Azure DevOps answers `{message, typeKey, ...}` objects.

import { randomBytes, randomUUID } from 'node:crypto';
import { AZURE } from './ci-claims.ts';
import type { IssuerHandle } from './ci-issuers.ts';
import type { Call, Route } from './dispatch.ts';
import { bearerToken, jsonReply, type Reply } from './http-util.ts';
import type { AzureDevOpsSide } from './types.ts';

const HOST_TYPE = 'build';

function adoError(status: number, typeKey: string, message: string): Reply {
  return jsonReply(status, { $id: '1', innerException: null, message, typeKey, errorCode: 0 });
}

export function createAzureDevOpsSide(
  ciUrl: string,
  handle: IssuerHandle,
  addSecret: (value: string) => void,
): AzureDevOpsSide {
  const collectionUri = `${ciUrl}/azure-devops/dev/${AZURE.organization}/`;
  const planId = randomUUID();
  const jobId = randomUUID();
  const oidcRequestUri = `${collectionUri}${AZURE.projectId}/_apis/distributedtask/hubs/${HOST_TYPE}/plans/${planId}/jobs/${jobId}/oidctoken`;
  const systemAccessToken = randomBytes(39).toString('base64url');
  addSecret(systemAccessToken);
  const side: AzureDevOpsSide = Object.assign(handle.issuer, {
    organization: AZURE.organization,
    projectId: AZURE.projectId,
    projectName: AZURE.projectName,
    collectionUri,
    planId,
    jobId,
    oidcRequestUri,
    systemAccessToken,
    serviceConnection: { ...AZURE.serviceConnection },
    pipelineEnv: () => ({
      TF_BUILD: 'True',
      SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: collectionUri,
      SYSTEM_COLLECTIONURI: collectionUri,
      SYSTEM_TEAMPROJECT: AZURE.projectName,
      SYSTEM_TEAMPROJECTID: AZURE.projectId,
      SYSTEM_HOSTTYPE: HOST_TYPE,
      SYSTEM_PLANID: planId,
      SYSTEM_JOBID: jobId,
      SYSTEM_OIDCREQUESTURI: oidcRequestUri,
      SYSTEM_ACCESSTOKEN: systemAccessToken,
      BUILD_BUILDID: String(side.claims['run_id'] ?? ''),
      BUILD_SOURCEBRANCH: String(side.claims['rpo_ref'] ?? ''),
    }),
  });
  return side;
}

function oidcToken(side: AzureDevOpsSide, call: Call): Reply {
  const { org, project, hub, plan, job } = call.params;
  const projectKnown = project === side.projectId || project === side.projectName;
  if (org !== side.organization || !projectKnown || hub !== HOST_TYPE) {
    return adoError(404, 'ProjectDoesNotExistWithNameException', `Project ${project} not found.`);
  }
  if (plan !== side.planId || job !== side.jobId) {
    return adoError(404, 'TaskOrchestrationJobNotFoundException', `Job ${job} not found.`);
  }
  if (bearerToken(call.headers['authorization']) !== side.systemAccessToken) {
    return adoError(401, 'UnauthorizedRequestException', 'A valid System.AccessToken is required.');
  }
  if (!call.query.get('api-version')) {
    return adoError(400, 'VssVersionNotSpecifiedException', 'No api-version was supplied.');
  }
  const connectionId = call.query.get('serviceConnectionId');
  let sub: string | undefined;
  if (connectionId !== null) {
    if (connectionId !== side.serviceConnection.id) {
      return adoError(400, 'InvalidServiceConnectionException', 'Unknown service connection.');
    }
    sub = `sc://${side.organization}/${side.projectName}/${side.serviceConnection.name}`;
  }
  // The audience is fixed: a requested one is ignored (databricks-sdk-py oidc_token_supplier.py; MicrosoftDocs/azure-devops-docs sprint-240-update.md).
  const jwt = side.mintJwt(
    sub === undefined ? { aud: AZURE.audience } : { sub, aud: AZURE.audience },
  );
  return jsonReply(200, { oidcToken: jwt });
}

export function azureDevOpsRoutes(side: AzureDevOpsSide): Route[] {
  return [
    {
      name: 'ci.azure-devops.oidctoken',
      method: 'POST',
      pattern:
        /^\/azure-devops\/dev\/(?<org>[^/]+)\/(?<project>[^/]+)\/_apis\/distributedtask\/hubs\/(?<hub>[^/]+)\/plans\/(?<plan>[^/]+)\/jobs\/(?<job>[^/]+)\/oidctoken$/,
      handle: (call) => oidcToken(side, call),
    },
  ];
}
