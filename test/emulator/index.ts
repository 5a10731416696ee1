// Local stand-ins for GitHub's OIDC token service, eight other CIs' OIDC issuers, a Databricks
// workspace and account console, and Lakebase: four real HTTP servers on 127.0.0.1, random ports.

import { createCiSide } from './ci.ts';
import { accountRoutes, workspaceRoutes } from './databricks.ts';
import { startServer, type Route, type Shared } from './dispatch.ts';
import { FaultQueue } from './faults.ts';
import { DEFAULT_CLAIMS, createGitHubSide, githubRoutes, type GitHubSetup } from './github.ts';
import { JwksClient } from './jwks-client.ts';
import { createSigningKey } from './jwt.ts';
import { LakebaseStore } from './lakebase.ts';
import { lakebaseRoutes } from './lakebase-routes.ts';
import { PatStore } from './pats.ts';
import { PolicyStore } from './policies.ts';
import { RateLimiter } from './rate-limit.ts';
import { ServicePrincipalStore, servicePrincipalRoutes } from './service-principals.ts';
import { tokenRoutes } from './token-routes.ts';
import { TokenStore } from './tokens.ts';
import type {
  Emulator,
  EmulatorOptions,
  GitHubClaims,
  RecordedRequest,
  RouteName,
} from './types.ts';

export type {
  AccountPolicy,
  AzureDevOpsSide,
  BitbucketSide,
  BuildkiteSide,
  CiClaims,
  CiIssuer,
  CiMintOptions,
  CiMintOverrides,
  CiName,
  CiSide,
  CircleCiSide,
  DatabaseCredential,
  Emulator,
  EmulatorOptions,
  EndpointState,
  Fault,
  FaultScript,
  FederationPolicies,
  GitHubClaims,
  GitHubSide,
  GitLabSide,
  InstanceState,
  JenkinsSide,
  JobEnv,
  KubernetesSide,
  IssuedToken,
  LakebaseEndpointSpec,
  LakebaseInstanceSpec,
  LakebaseState,
  RecordedRequest,
  RouteName,
  ServerName,
  ServicePrincipalPolicy,
  TerraformCloudSide,
} from './types.ts';
export type {
  PatRecord,
  PatSettings,
  PatState,
  ScimServicePrincipal,
  ServicePrincipalSpec,
  ServicePrincipals,
  TokenRouteName,
} from './token-types.ts';

export { addJobPolicy, JOB_SERVICE_PRINCIPAL } from './job-policy.ts';

/** The recorded requests that the named route handled, in order. */
export function requestsTo(emulator: Emulator, route: RouteName): RecordedRequest[] {
  return emulator.requests.filter((r) => r.route === route);
}

export const DEFAULT_ACCOUNT_ID = '0d26daa6-5e44-4c97-a497-ef015f91254a';

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const initialClaims: GitHubClaims = { ...DEFAULT_CLAIMS, ...options.claims };
  const initialMetadata = () => {
    const m = options.workspaceMetadata ?? {};
    return m === 'absent' ? m : { ...m };
  };
  const secretValues = new Set<string>();
  const addSecret = (value: string) => void secretValues.add(value);
  const [signing, foreign] = await Promise.all([createSigningKey(), createSigningKey()]);

  let latencyMs = options.latencyMs ?? 0;
  const rateLimiter = options.rateLimit && new RateLimiter(options.rateLimit.exchangesPerSecond);
  const requests: RecordedRequest[] = [];
  const faults = new FaultQueue();
  const shared: Shared = { requests, faults, latencyMs: () => latencyMs, rateLimiter };
  const routes = {
    github: [] as Route[],
    workspace: [] as Route[],
    account: [] as Route[],
    ci: [] as Route[],
  };
  const [github, workspace, account, ciServer] = await Promise.all([
    startServer('github', routes.github, shared),
    startServer('workspace', routes.workspace, shared),
    startServer('account', routes.account, shared),
    startServer('ci', routes.ci, shared),
  ]);
  const ci = await createCiSide({ url: ciServer.url, accountId, foreign, addSecret });

  const setup: GitHubSetup = {
    issuer: github.url,
    claims: structuredClone(initialClaims),
    keys: { signing, foreign },
    addSecret,
  };
  const side = createGitHubSide(setup);
  const policies = new PolicyStore(accountId);
  const tokens = new TokenStore(addSecret);
  const lakebase = new LakebaseStore(addSecret);
  const pats = new PatStore(addSecret);
  tokens.acceptAlso((presented) => pats.authenticate(presented));
  const servicePrincipals = new ServicePrincipalStore(policies);
  const jwks = new JwksClient();

  const emulator: Emulator = {
    github: side,
    ci: ci.side,
    workspace: { url: workspace.url, metadata: initialMetadata() },
    account: { url: account.url, accountId },
    policies,
    lakebase,
    pats,
    servicePrincipals,
    faults,
    requests,
    issuedTokens: tokens.issued,
    secrets: () => [...secretValues],
    setLatency: (ms) => {
      latencyMs = ms;
    },
    reset: () => {
      requests.length = 0;
      faults.clear();
      policies.reset();
      tokens.reset();
      lakebase.reset();
      pats.reset();
      servicePrincipals.reset();
      jwks.clear();
      rateLimiter?.reset();
      latencyMs = options.latencyMs ?? 0;
      side.claims = structuredClone(initialClaims);
      side.lifetimeSeconds = 300;
      ci.reset();
      emulator.workspace.metadata = initialMetadata();
    },
    close: async () => {
      await Promise.all([github.close(), workspace.close(), account.close(), ciServer.close()]);
    },
  };

  const deps = { policies, jwks, tokens };
  routes.github.push(...githubRoutes(setup, side));
  routes.workspace.push(
    ...workspaceRoutes(emulator, deps),
    ...lakebaseRoutes(lakebase, tokens),
    ...tokenRoutes({ tokens, pats, servicePrincipals }),
    ...servicePrincipalRoutes(servicePrincipals, tokens),
  );
  routes.account.push(...accountRoutes(emulator, deps));
  routes.ci.push(...ci.routes);
  return emulator;
}
