// Public types of the local GitHub OIDC + Databricks + Lakebase emulator.

import type { PatState, ServicePrincipals, TokenRouteName } from './token-types.ts';

export interface EmulatorOptions {
  /** Databricks account id; the default audience of every federation policy. */
  accountId?: string;
  /** Overrides for the JWT claims GitHub would issue for this job. */
  claims?: Partial<GitHubClaims>;
  /** Extra/override fields of the workspace's GET /.well-known/databricks-config; 'absent' => 404. */
  workspaceMetadata?: Record<string, unknown> | 'absent';
  /** Added to every answer of every server. */
  latencyMs?: number;
  /** Token endpoints (workspace and account together) answer 429 + Retry-After: 1 above this rate. */
  rateLimit?: { exchangesPerSecond: number };
}

export interface Emulator {
  github: GitHubSide;
  /** One OIDC issuer per other CI, all served by the 'ci' server. */
  ci: CiSide;
  workspace: { url: string; metadata: Record<string, unknown> | 'absent' };
  account: { url: string; accountId: string; metadata: Record<string, unknown> | 'absent' };
  policies: FederationPolicies;
  lakebase: LakebaseState;
  /** Personal access and on-behalf-of tokens, token settings, admins, CAN_USE. */
  pats: PatState;
  /** The workspace's service principals (SCIM). */
  servicePrincipals: ServicePrincipals;
  faults: FaultScript;
  /** Every request any server received, in order (including the emulator's own JWKS fetches). */
  requests: RecordedRequest[];
  /** Access tokens issued by the token endpoints since start or the last reset(). */
  issuedTokens: readonly IssuedToken[];
  /** Every secret value issued so far (kept across reset()). */
  secrets(): string[];
  setLatency(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

export interface GitHubSide {
  issuer: string;
  requestUrl: string;
  requestToken: string;
  claims: GitHubClaims;
  /** Lifetime of the JWTs it issues without expiresInSeconds (300 s, as GitHub's); reset() restores it. */
  lifetimeSeconds: number;
  mintJwt(
    overrides?: Partial<GitHubClaims> & { aud?: string },
    options?: { signWithForeignKey?: boolean; expiresInSeconds?: number },
  ): string;
}

export interface GitHubClaims {
  sub: string;
  repository: string;
  repository_owner: string;
  repository_id: string;
  repository_owner_id: string;
  ref: string;
  ref_type: string;
  sha: string;
  workflow: string;
  workflow_ref: string;
  job_workflow_ref: string;
  event_name: string;
  actor: string;
  actor_id: string;
  run_id: string;
  run_number: string;
  run_attempt: string;
  runner_environment: string;
  environment?: string;
  [claim: string]: unknown;
}

/** The CIs besides GitHub, in the order of `emu.ci.issuers`. */
export const CI_NAMES = [
  'gitlab',
  'azure-devops',
  'circleci',
  'buildkite',
  'bitbucket',
  'terraform-cloud',
  'jenkins',
  'kubernetes',
] as const;
export type CiName = (typeof CI_NAMES)[number];

/** The claims a CI puts in its JWT besides iss/aud/iat/nbf/exp/jti; `sub` is always there. */
export interface CiClaims {
  sub: string;
  [claim: string]: unknown;
}

export type CiMintOverrides = Partial<CiClaims> & { aud?: string | string[] };

export interface CiMintOptions {
  /** Default: the CI's usual lifetime (GitLab 300 s, Azure DevOps 600 s, CircleCI 3600 s, ...). */
  expiresInSeconds?: number;
  /** Sign with a key that is in no JWKS (verification must fail). */
  signWithForeignKey?: boolean;
}

/** A CI's OIDC issuer: own RS256 key, discovery at `${issuer}/.well-known/openid-configuration`. */
export interface CiIssuer {
  readonly name: CiName;
  /** The `iss` of its JWTs, an http://127.0.0.1 URL on the 'ci' server. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The `aud` a JWT gets when neither the caller nor the pipeline chose one. */
  readonly defaultAudience: string | string[];
  /** Mutable defaults of every JWT this issuer mints; reset() restores them. */
  claims: CiClaims;
  /** Lifetime of the JWTs it mints without expiresInSeconds (the CI's usual one); reset() restores it. */
  lifetimeSeconds: number;
  /** A JWT as this CI would issue it now (claims, then registered claims, then overrides). */
  mintJwt(overrides?: CiMintOverrides, options?: CiMintOptions): string;
}

/** Environment variables as a job's process would see them. */
export type JobEnv = Record<string, string>;

export interface GitLabSide extends CiIssuer {
  /** `GITLAB_CI=true`, CI_* and the `id_tokens:` variable `variable` holding a JWT with `aud`. */
  jobEnv(aud: string | string[], variable?: string): JobEnv;
}

export interface AzureDevOpsSide extends CiIssuer {
  organization: string;
  projectId: string;
  projectName: string;
  /** SYSTEM_TEAMFOUNDATIONCOLLECTIONURI, with its trailing '/'. */
  collectionUri: string;
  planId: string;
  jobId: string;
  /** SYSTEM_OIDCREQUESTURI (no query). */
  oidcRequestUri: string;
  /** `System.AccessToken`, the bearer the OIDC endpoint requires (in secrets()). */
  systemAccessToken: string;
  /** `?serviceConnectionId=<id>` makes the JWT's sub `sc://<org>/<project>/<name>`. */
  serviceConnection: { id: string; name: string };
  /** TF_BUILD, SYSTEM_* of a pipeline job that mapped SYSTEM_ACCESSTOKEN into its env. */
  pipelineEnv(): JobEnv;
}

export interface CircleCiSide extends CiIssuer {
  orgId: string;
  projectId: string;
  /** Bearer of the stand-in `circleci` CLI (env EMULATOR_CIRCLECI_AGENT_TOKEN; in secrets()). */
  agentToken: string;
  /** CIRCLECI=true, CIRCLE_OIDC_TOKEN(_V2) (aud = org id), and what bin/circleci needs. */
  jobEnv(): JobEnv;
}

export interface BuildkiteSide extends CiIssuer {
  /** BUILDKITE_AGENT_ENDPOINT. */
  agentEndpoint: string;
  /** BUILDKITE_AGENT_ACCESS_TOKEN (in secrets()). */
  agentAccessToken: string;
  jobId: string;
  /** BUILDKITE=true, BUILDKITE_AGENT_*, BUILDKITE_JOB_ID and the build's slugs. */
  jobEnv(): JobEnv;
}

export interface BitbucketSide extends CiIssuer {
  /** BITBUCKET_* and BITBUCKET_STEP_OIDC_TOKEN (aud default: the workspace ARI). */
  jobEnv(aud?: string | string[]): JobEnv;
}

export interface TerraformCloudSide extends CiIssuer {
  /** TFC_* and TFC_WORKLOAD_IDENTITY_TOKEN (or ..._TOKEN_<tag>) for the workspace's audience. */
  jobEnv(aud: string, tag?: string): JobEnv;
}

export interface JenkinsSide extends CiIssuer {
  /** JENKINS_URL, JOB_URL, BUILD_NUMBER and a `withCredentials` binding `variable` (a JWT). */
  jobEnv(aud?: string, variable?: string): JobEnv;
}

export interface KubernetesSide extends CiIssuer {
  /** KUBERNETES_SERVICE_HOST/PORT; the token itself is a projected file (write mintJwt()). */
  jobEnv(): JobEnv;
}

export interface CiSide {
  /** Base URL of the 'ci' server. */
  url: string;
  /** Directory of the stand-in `circleci` and `buildkite-agent` executables (prepend to PATH). */
  binDir: string;
  gitlab: GitLabSide;
  azureDevops: AzureDevOpsSide;
  circleci: CircleCiSide;
  buildkite: BuildkiteSide;
  bitbucket: BitbucketSide;
  terraformCloud: TerraformCloudSide;
  jenkins: JenkinsSide;
  kubernetes: KubernetesSide;
  /** The eight issuers above, in that order. */
  issuers: readonly CiIssuer[];
}

export type ServerName = 'github' | 'workspace' | 'account' | 'ci';

export interface RecordedRequest {
  server: ServerName;
  /** The route that handled the request; undefined when none matched (404/405). */
  route: RouteName | undefined;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  form?: Record<string, string>;
  json?: unknown;
  fault?: string;
  at: number;
}

export interface ServicePrincipalPolicy {
  servicePrincipalId: string;
  applicationId: string;
  issuer: string;
  subject: string;
  audiences?: string[];
  subjectClaim?: string;
}

export interface AccountPolicy {
  issuer: string;
  audiences?: string[];
  subjectClaim?: string;
}

export interface FederationPolicies {
  addServicePrincipalPolicy(p: ServicePrincipalPolicy): void;
  addAccountPolicy(p: AccountPolicy): void;
  addUser(userName: string): void;
}

export interface IssuedToken {
  token: string;
  userName: string;
  expiresAt: Date;
  scope: string;
  host: 'workspace' | 'account';
}

export type InstanceState =
  'AVAILABLE' | 'STARTING' | 'UPDATING' | 'STOPPED' | 'DELETING' | 'FAILING_OVER';

export type EndpointState = 'ACTIVE' | 'IDLE' | 'INIT' | 'DEGRADED';

export interface LakebaseInstanceSpec {
  name: string;
  state: InstanceState;
  readWriteDns: string;
  /** STARTING/UPDATING answer that state for this many GETs, then AVAILABLE from the next GET on. */
  becomesAvailableAfterGets?: number;
  deniedUsers?: string[];
}

export interface LakebaseEndpointSpec {
  name: string;
  state: EndpointState;
  host: string;
  deniedUsers?: string[];
}

export interface DatabaseCredential {
  userName: string;
  token: string;
  expiresAt: Date;
  kind: 'instance' | 'endpoint';
  target: string;
  requestId?: string;
}

export interface LakebaseState {
  addInstance(i: LakebaseInstanceSpec): void;
  addEndpoint(e: LakebaseEndpointSpec): void;
  /** Awaited before the credential is answered; kept across reset(). */
  onCredential?: (c: Omit<DatabaseCredential, 'requestId'>) => Promise<void>;
  credentials: DatabaseCredential[];
  /** Overrides every credential's life (the API's is 1 h): tests compress expiry. Cleared by reset(). */
  credentialLifetimeSeconds?: number;
}

export type RouteName =
  | 'github.idtoken'
  | 'github.discovery'
  | 'github.jwks'
  | 'ci.discovery'
  | 'ci.jwks'
  | 'ci.azure-devops.oidctoken'
  | 'ci.circleci.oidc'
  | 'ci.buildkite.oidc'
  | 'workspace.metadata'
  | 'workspace.oauth-metadata'
  | 'workspace.token'
  | 'workspace.scim'
  | 'unified.oauth-metadata'
  | 'unified.token'
  | 'account.metadata'
  | 'account.oauth-metadata'
  | 'account.token'
  | 'lakebase.instance'
  | 'lakebase.instance-credential'
  | 'lakebase.endpoint'
  | 'lakebase.endpoint-credential'
  | TokenRouteName;

export type Fault =
  | { kind: 'status'; status: number; body?: string | object; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'reset-mid-body'; status?: number }
  | { kind: 'delay'; ms: number }
  /** Runs the real handler at once (side effects happen), then answers after `ms`, or never. */
  | { kind: 'late-reply'; ms?: number }
  | { kind: 'hang' }
  | { kind: 'trickle'; bytesPerSecond: number }
  | { kind: 'html'; status: number }
  | { kind: 'malformed-json'; status?: number }
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'redirect'; status?: 301 | 302 | 307 | 308; location: string }
  | { kind: 'throttled' }
  /** The real answer (the handler runs, its side effects happen), its JSON body edited: hostile values. */
  | { kind: 'rewrite'; edit: (body: Record<string, unknown>) => unknown };

export interface FaultScript {
  add(route: RouteName, fault: Fault, times?: number): void;
  clear(): void;
}
