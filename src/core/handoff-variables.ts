// The environment every later process of the job reads, in one place for both edges and the
// metadata service: the Databricks clients' variables for each auth type, and libpq's for Lakebase.
import type { Credentials } from './credentials.ts';
import { libpqEnv } from './databricks/lakebase.ts';
import type { Target } from './databricks/discovery.ts';

/** DATABRICKS_HOST, and DATABRICKS_ACCOUNT_ID for an account console (the SDKs need it there). */
export function hostVariables(target: Target): Record<string, string> {
  return {
    DATABRICKS_HOST: target.host.url,
    ...(target.kind === 'account' && target.accountId !== undefined
      ? { DATABRICKS_ACCOUNT_ID: target.accountId }
      : {}),
  };
}

/**
 * Auth type `pat`: the token itself, the job-scoped PAT when one was minted (it outlives the OAuth
 * token), and libpq's variables with the Lakebase password.
 */
export function tokenVariables(credentials: Credentials): Record<string, string> {
  return {
    ...hostVariables(credentials.target),
    DATABRICKS_TOKEN: credentials.tokens?.pat?.value ?? credentials.token.accessToken,
    DATABRICKS_AUTH_TYPE: 'pat',
    ...libpqEnv(credentials.database),
  };
}

/**
 * Auth type `metadata-service`: the service hands out tokens, and libpq reads a password file the
 * service keeps current, never PGPASSWORD (libpq prefers it, so a reconnect after expiry would fail).
 */
export function serviceVariables(
  credentials: Credentials,
  url: string,
  passfile: string | undefined,
): Record<string, string> {
  const libpq = libpqEnv(credentials.database);
  delete libpq['PGPASSWORD'];
  return {
    DATABRICKS_AUTH_TYPE: 'metadata-service',
    DATABRICKS_METADATA_SERVICE_URL: url,
    ...hostVariables(credentials.target),
    ...(credentials.database === undefined || passfile === undefined
      ? {}
      : { ...libpq, PGPASSFILE: passfile }),
  };
}
