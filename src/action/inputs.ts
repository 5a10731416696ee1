import {
  invalidSetting,
  parseConfig,
  quoted,
  type Config,
  type SettingReader,
} from '../core/index.ts';

export type ExportMode = 'token' | 'oidc' | 'metadata-service' | 'none';

/** The core's settings plus what only the action has: a JWT given as input, and what to export. */
export interface ActionInputs extends Config {
  oidcToken: string | undefined;
  exportEnv: ExportMode;
  /** Revoke the job-scoped PAT in the post step (pat-revoke, default true). */
  patRevoke: boolean;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Reads the inputs by their action.yml names (core.getInput trims them). */
export function parseInputs(read: SettingReader): ActionInputs {
  const config = parseConfig(read);
  const oidcToken = parseOidcToken(read('oidc-token'));
  const exportEnv = parseExportMode(read('export-env'));
  if (exportEnv === 'oidc' && oidcToken !== undefined)
    throw invalidSetting(
      'export-env',
      'is "oidc", which cannot be combined with oidc-token',
      'The Databricks CLI and SDKs can only refresh with a GitHub token; use export-env: token with oidc-token',
    );
  if (exportEnv === 'metadata-service' && oidcToken !== undefined)
    throw invalidSetting(
      'export-env',
      'is "metadata-service", which cannot be combined with oidc-token',
      'The service renews tokens by asking GitHub again, and a given token cannot be renewed; use export-env: token with oidc-token',
    );
  return {
    ...config,
    oidcToken,
    exportEnv,
    patRevoke: read('pat-revoke').toLowerCase() !== 'false',
  };
}

function parseOidcToken(value: string): string | undefined {
  if (value === '') return undefined;
  if (!JWT.test(value))
    throw invalidSetting(
      'oidc-token',
      'is not a JWT (three base64url parts separated by dots)',
      'Pass the raw ID token of your identity provider',
    );
  return value;
}

function parseExportMode(value: string): ExportMode {
  switch (value.toLowerCase()) {
    case '':
    case 'token':
    case 'true':
      return 'token';
    case 'oidc':
      return 'oidc';
    case 'metadata-service':
      return 'metadata-service';
    case 'none':
    case 'false':
      return 'none';
    default:
      throw invalidSetting(
        'export-env',
        `${quoted(value)} is not one of token, oidc, metadata-service, none`,
        'Use token (default), oidc, metadata-service or none',
      );
  }
}
