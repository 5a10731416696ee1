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
  workspace: { url: string; metadata: Record<string, unknown> | 'absent' };
  account: { url: string; accountId: string };
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

export type ServerName = 'github' | 'workspace' | 'account';

export interface RecordedRequest {
  server: ServerName;
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
}

export type RouteName =
  | 'github.idtoken'
  | 'github.discovery'
  | 'github.jwks'
  | 'workspace.metadata'
  | 'workspace.oauth-metadata'
  | 'workspace.token'
  | 'workspace.scim'
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
  | { kind: 'throttled' };

export interface FaultScript {
  add(route: RouteName, fault: Fault, times?: number): void;
  clear(): void;
}
