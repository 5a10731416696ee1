// The core's public entry: every edge (the action, its post step, the command line) imports from
// here and nowhere else below src/core (lint holds it), or from ./startup.ts, the light subset
// evaluated before an edge knows it will talk to the network. Plain TypeScript: no @actions/core,
// no process.
export { systemClock, formatDuration, type Clock } from './clock.ts';
export {
  DEFAULT_DATABASE,
  DEFAULT_LAKEBASE_TTL,
  DEFAULT_SCOPE,
  invalidSetting,
  parseConfig,
  quoted,
  type Config,
  type LakebaseTarget,
  type SettingReader,
} from './config.ts';
export {
  describeExpiry,
  obtainCredentials,
  type CoreDeps,
  type Credentials,
} from './credentials.ts';
export type { Target } from './databricks/discovery.ts';
export type { DatabricksToken } from './databricks/exchange.ts';
export { libpqEnv, type LakebaseCredential } from './databricks/lakebase.ts';
export {
  canUsePatch,
  planPrune,
  type ManagedToken,
  type MintResult,
  type Pat,
  type PatRequest,
  type PruneResult,
  type ServicePrincipal,
} from './databricks/tokens/index.ts';
export { jobName } from './job-name.ts';
export type { JobTokens } from './job-tokens.ts';
export {
  manualRevokeCommand,
  notRevoked,
  REVOKE_POLICY,
  revokeJobPat,
  revokePatById,
  type RevokeFallback,
  type Revocation,
  type SavedPat,
} from './revocation.ts';
export {
  DEFAULT_OBO_KEEP,
  DEFAULT_OBO_MARKER,
  MAX_PAT_LIFETIME,
  type OboConfig,
} from './token-config.ts';
export {
  ConfigurationError,
  describeFailure,
  STAGE_LABELS,
  StageError,
  type Stage,
} from './errors.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http/retry.ts';
export { createTransport, type Transport } from './http/transport.ts';
export { safeLog, type LogSink } from './secrets/log.ts';
export { SecretRegistry } from './secrets/registry.ts';
export { defuse, escapeHtml, hashEscaped, logSafeJson, shellQuote } from './secrets/text.ts';
export type { TokenClaims } from './subject-token/claims.ts';
export {
  gitHubActionsSource,
  idTokenRequestFromEnv,
  missingPermissionError,
  type Environment,
  type IdTokenRequest,
} from './subject-token/github-actions.ts';
export { givenToken } from './subject-token/given.ts';
export type { SubjectTokenSource } from './subject-token/source.ts';
export {
  CI_CHOICES,
  type CiChoice,
  type CiDetector,
  type CiName,
  type DetectOptions,
} from './subject-token/ci-detector.ts';
export {
  CI_SUBJECT_SHAPES,
  policyCommands,
  suggestPolicy,
  type SuggestedPolicy,
} from './subject-token/ci-policy.ts';
export { checkedSource } from './subject-token/checked.ts';
export { audiences, decodeClaims, describeClaims } from './subject-token/claims.ts';
export {
  CI_DETECTORS,
  detectCi,
  detectSubjectToken,
  findings,
  type DetectedToken,
  type SourceFinding,
  type SourceOptions,
} from './subject-token/detect.ts';
export {
  sourceFailure,
  type CommandResult,
  type SourceDeps,
  type SourceFailure,
} from './subject-token/source-deps.ts';
export { ExchangeRefusedError } from './databricks/exchange.ts';
export { peekSubjectToken, type PeekedToken } from './peek.ts';
