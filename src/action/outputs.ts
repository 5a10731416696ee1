import {
  hostVariables,
  libpqEnv,
  tokenVariables,
  type Credentials,
  type JobTokens,
  type LakebaseCredential,
} from '../core/index.ts';
import type { ExportMode } from './inputs.ts';

/** Step outputs by action.yml name. Which of them are secret is decided where they were received. */
export function actionOutputs(result: Credentials): Record<string, string> {
  return {
    token: result.token.accessToken,
    'token-expires-at': result.token.expiresAt?.toISOString() ?? '',
    host: result.target.host.url,
    audience: result.target.audience,
    ...(result.database && databaseOutputs(result.database)),
    ...(result.tokens && tokenOutputs(result.tokens)),
  };
}

function tokenOutputs({ pat, oboMint }: JobTokens): Record<string, string> {
  return {
    ...(pat && {
      pat: pat.value,
      'pat-id': pat.id,
      'pat-expires-at': pat.expiresAt?.toISOString() ?? '',
    }),
    // Never exported to the environment: it belongs to the partner, not to later steps.
    ...(oboMint && { 'obo-token': oboMint.token.value, 'obo-token-id': oboMint.token.id }),
  };
}

function databaseOutputs(database: LakebaseCredential): Record<string, string> {
  return {
    'database-host': database.host,
    'database-port': String(database.port),
    'database-name': database.database,
    'database-user': database.user,
    'database-password': database.password,
    'database-password-expires-at': database.expiresAt?.toISOString() ?? '',
    'database-url': database.url,
    'database-jdbc-url': database.jdbcUrl,
  };
}

/**
 * Environment for later steps. `token` hands over the token itself; `oidc` hands over what the
 * Databricks CLI and SDKs need to run the exchange themselves, and refresh it, in every later step.
 */
export function exportedEnv(result: Credentials, mode: ExportMode): Record<string, string> {
  const { target } = result;
  switch (mode) {
    // With metadata-service, the service's own variables (metadata-service-launch.ts) instead.
    case 'none':
    case 'metadata-service':
      return {};
    case 'token':
      return tokenVariables(result);
    case 'oidc':
      return {
        ...hostVariables(target),
        DATABRICKS_AUTH_TYPE: 'github-oidc',
        ...(result.clientId === undefined ? {} : { DATABRICKS_CLIENT_ID: result.clientId }),
        // Go, Python and the CLI read DATABRICKS_TOKEN_AUDIENCE; the Java SDK reads TOKEN_AUDIENCE.
        DATABRICKS_TOKEN_AUDIENCE: target.audience,
        TOKEN_AUDIENCE: target.audience,
        ...libpqEnv(result.database),
      };
  }
}
