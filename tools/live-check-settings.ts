// The live check's inputs, from the environment (the workflow maps repository variables onto them).
import { idTokenRequestFromEnv, type Environment, type IdTokenRequest } from '../src/core/index.ts';

export interface Settings {
  /** The host's origin, without a trailing slash. */
  host: string;
  clientId: string | undefined;
  accountId: string | undefined;
  /** DATABRICKS_TOKEN_AUDIENCE: overrides the SDKs' audience rule. */
  audience: string | undefined;
  oboApplicationId: string | undefined;
  jwt: { kind: 'given'; value: string } | { kind: 'github'; request: IdTokenRequest };
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function hostOrigin(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '')
    throw new SettingsError(
      'DATABRICKS_HOST is not set: set it (on GitHub, the repository variable) to the workspace URL, https://<workspace host>',
    );
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(raw.trim()) ? raw.trim() : `https://${raw.trim()}`);
  } catch {
    throw new SettingsError('DATABRICKS_HOST is not a URL: set it to https://<workspace host>');
  }
  const local = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if ((url.protocol !== 'https:' && !local) || url.username !== '' || url.password !== '')
    throw new SettingsError('DATABRICKS_HOST must be an https:// URL without credentials');
  if (url.pathname !== '/' || url.search !== '')
    throw new SettingsError(
      'DATABRICKS_HOST must be the host alone (no path or query): https://<workspace host>',
    );
  return url.origin;
}

/** An optional identifier: unset or empty is undefined; anything with spaces or controls is refused. */
function optionalId(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  if (!/^[\x21-\x7e]{1,512}$/.test(value))
    throw new SettingsError(`${name} holds spaces or control characters: set it to the bare value`);
  return value;
}

function jwtSource(env: Environment): Settings['jwt'] {
  const given = env['DATABRICKS_OIDC_TOKEN']?.trim();
  if (given !== undefined && given !== '') return { kind: 'given', value: given };
  const request = idTokenRequestFromEnv(env);
  if (request !== undefined) return { kind: 'github', request };
  throw new SettingsError(
    'no OIDC token: run in GitHub Actions with "permissions: id-token: write", or set DATABRICKS_OIDC_TOKEN to a JWT minted for this check',
  );
}

export function readSettings(env: Environment): Settings {
  return {
    host: hostOrigin(env['DATABRICKS_HOST']),
    clientId: optionalId(env, 'DATABRICKS_CLIENT_ID'),
    accountId: optionalId(env, 'DATABRICKS_ACCOUNT_ID'),
    audience: optionalId(env, 'DATABRICKS_TOKEN_AUDIENCE'),
    oboApplicationId: optionalId(env, 'LIVE_CHECK_OBO_APPLICATION_ID'),
    jwt: jwtSource(env),
  };
}
