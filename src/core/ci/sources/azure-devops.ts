import { parseJsonObject, stringField } from '../../http/json.ts';
import { callWithRetries, type CallContext } from '../../http/retry.ts';
import type { CiSource } from '../source.ts';
import { unexpandedMacro } from '../../subject-token/azure-macro.ts';
import { acceptJwt, tokenUnavailable, type Environment } from '../../subject-token/source-deps.ts';

const API_VERSION = '7.2-preview.1';

/** Azure Pipelines: POST to the job's oidctoken endpoint with the job's System.AccessToken. */
export const azureDevops: CiSource = {
  source(deps, options) {
    const accessToken = azureVariable(deps.env, 'SYSTEM_ACCESSTOKEN');
    if (!accessToken)
      throw tokenUnavailable(
        'SYSTEM_ACCESSTOKEN is not in the step environment',
        'Map it in the step: "env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)"',
      );
    deps.secrets.add(accessToken);
    const url = oidcRequestUrl(deps.env, options.azureServiceConnection);
    return {
      description: 'Azure Pipelines',
      choosesAudience: false,
      token: (ctx) => requestAzureJwt(ctx, url, accessToken),
    };
  },
};

/** An agent variable, refused when it holds an unexpanded `$(…)` macro instead of its value. */
function azureVariable(env: Environment, name: string): string | undefined {
  const value = env[name];
  const unexpanded = value ? unexpandedMacro('ci-token', name, value) : undefined;
  if (unexpanded !== undefined) throw unexpanded;
  return value || undefined;
}

const URL_PARTS = [
  'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI',
  'SYSTEM_TEAMPROJECTID',
  'SYSTEM_HOSTTYPE',
  'SYSTEM_PLANID',
  'SYSTEM_JOBID',
];

/** SYSTEM_OIDCREQUESTURI, or the URL the Databricks SDKs build from the job's variables. */
function oidcRequestUrl(env: Environment, serviceConnection: string | undefined): string {
  const given = azureVariable(env, 'SYSTEM_OIDCREQUESTURI');
  const parts = given === undefined ? URL_PARTS.map((name) => azureVariable(env, name)) : [];
  const missing = URL_PARTS.filter((_, i) => given === undefined && parts[i] === undefined);
  if (missing.length > 0)
    throw tokenUnavailable(
      `SYSTEM_OIDCREQUESTURI is unset and so is ${missing.join(', ')}`,
      'Run this in an Azure Pipelines job step (the agent sets these variables)',
    );
  const [collection = '', project, hostType, plan, job] = parts;
  const root = collection.endsWith('/') ? collection : `${collection}/`;
  const base =
    given ??
    `${root}${project}/_apis/distributedtask/hubs/${hostType}/plans/${plan}/jobs/${job}/oidctoken`;
  const from = given === undefined ? 'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI' : 'SYSTEM_OIDCREQUESTURI';
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw tokenUnavailable(
      `${from} is not a URL`,
      'Do not set it in the step; the agent sets it in every job',
    );
  }
  url.searchParams.set('api-version', API_VERSION);
  if (serviceConnection !== undefined)
    url.searchParams.set('serviceConnectionId', serviceConnection);
  return url.href;
}

async function requestAzureJwt(
  ctx: CallContext,
  url: string,
  accessToken: string,
): Promise<string> {
  const label = { stage: 'ci-token', what: 'Azure Pipelines OIDC token request' } as const;
  const response = await callWithRetries(ctx, label, () => ({
    method: 'POST',
    url,
    headers: {
      Authorization: `Bearer ${accessToken}`,
      'X-TFS-FedAuthRedirect': 'Suppress',
      'Content-Type': 'application/json',
      Accept: 'application/json',
    },
    body: '',
  }));
  if (response.status === 401 || response.status === 403)
    throw tokenUnavailable(
      `Azure Pipelines refused the OIDC token request (HTTP ${response.status})`,
      'Map "env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)" in this step (not a copy from another job), and allow the pipeline to use the service connection',
    );
  if (response.status !== 200)
    throw tokenUnavailable(
      `Azure Pipelines answered the OIDC token request with HTTP ${response.status}`,
      'Re-run the job; if it persists, check SYSTEM_OIDCREQUESTURI and the Azure DevOps status page',
    );
  const value = stringField(parseJsonObject(response.body), 'oidcToken');
  if (value === undefined)
    throw tokenUnavailable(
      'Azure Pipelines answered without "oidcToken"',
      'Re-run the job; if it persists, check the Azure DevOps status page',
    );
  return acceptJwt(value, ctx.secrets, 'the Azure Pipelines answer');
}
