// The core's public entry: every edge (the action, its post step, the command line) imports from
// here and nowhere else below src/core (lint holds it), or from ./startup.ts, the light subset
// evaluated before an edge knows it will talk to the network. Plain TypeScript: no @actions/core,
// no process.
export { systemClock } from './clock.ts';
export { invalidSetting, parseConfig, quoted, type Config, type SettingReader } from './config.ts';
export {
  describeExpiry,
  obtainCredentials,
  type CoreDeps,
  type Credentials,
} from './credentials.ts';

export { libpqEnv, type LakebaseCredential } from './databricks/lakebase.ts';
export { hostVariables, tokenVariables } from './handoff-variables.ts';
export { type ManagedToken, type Pat, type PruneResult } from './databricks/tokens/index.ts';
export { jobName } from './ci/job-name.ts';
export type { JobTokens } from './job-tokens.ts';
export {
  manualRevokeCommand,
  notRevoked,
  REVOKE_POLICY,
  revokeJobPat,
  revokePatById,
  type RevokeFallback,
  type SavedPat,
} from './revocation.ts';

export {
  describeFailure,
  failureKind,
  KIND_LABELS,
  STAGE_LABELS,
  StageError,
  type FailureKind,
} from './errors.ts';
export { DEFAULT_RETRY_POLICY } from './http/retry.ts';
export { createTransport, type Transport } from './http/transport.ts';
export { safeLog, type LogSink } from './secrets/log.ts';
export { SecretRegistry } from './secrets/registry.ts';
export {
  defuse,
  escapeHtml,
  hashEscaped,
  holdsRunnerCommand,
  logSafeJson,
  shellQuote,
} from './secrets/text.ts';
export type { TokenClaims } from './subject-token/claims.ts';
export {
  gitHubActionsSource,
  idTokenRequestFromEnv,
  missingPermissionError,
  type IdTokenRequest,
} from './ci/sources/github.ts';
export type { Environment } from './subject-token/source-deps.ts';
export { givenToken } from './subject-token/given.ts';
export type { SubjectTokenSource } from './subject-token/source.ts';
export {
  CI_CATALOG,
  CI_CHOICES,
  CI_ROWS,
  OUTPUT_READERS,
  type CiChoice,
  type CiName,
} from './ci/catalog.ts';
export { audienceToRecommend, policyCommands, suggestPolicy } from './ci/policy.ts';
export { unexpandedMacro } from './subject-token/azure-macro.ts';
export { checkedSource } from './subject-token/checked.ts';
export { audiences, decodeClaims } from './subject-token/claims.ts';
export { detectSubjectToken, findings, type SourceOptions } from './ci/detect.ts';
export { detectCi } from './ci/markers.ts';
export type { CommandResult } from './subject-token/source-deps.ts';
export { peekSubjectToken, type PeekedToken } from './peek.ts';
export { VERSION } from './version.ts';
export { startMetadataService } from './metadata-service/service.ts';
