// The settings' flags and the SDK variables they beat: read by the settings, and by the cached
// `token` path, whose key holds every variable the settings would read.

/** Flags that name a core setting, with the SDK variable each one beats. */
export const SETTING_FLAGS: Record<string, string | undefined> = {
  host: 'DATABRICKS_HOST',
  'account-id': 'DATABRICKS_ACCOUNT_ID',
  'client-id': 'DATABRICKS_CLIENT_ID',
  audience: 'DATABRICKS_TOKEN_AUDIENCE',
  scope: undefined,
  'lakebase-instance': undefined,
  'lakebase-endpoint': undefined,
  'lakebase-database': undefined,
  'lakebase-ttl': undefined,
};

/** Flags that choose the token source, with the variable each one beats. */
export const SOURCE_VARIABLES = {
  'oidc-token-file': 'DATABRICKS_OIDC_TOKEN_FILEPATH',
  'oidc-token-env': 'DATABRICKS_OIDC_TOKEN_ENV',
  'azure-service-connection': 'DATABRICKS_AZURE_SERVICE_CONNECTION',
} as const;

/** Every variable the settings read. */
export const SETTING_VARIABLES = [
  ...Object.values(SETTING_FLAGS),
  ...Object.values(SOURCE_VARIABLES),
].filter((name) => name !== undefined);
