import {
  CI_CHOICES,
  invalidSetting,
  parseConfig,
  quoted,
  type CiChoice,
  type Config,
  type Environment,
  type SourceOptions,
} from '../core/startup.ts';
import { SETTING_FLAGS, type ParsedArgs } from './args.ts';

export interface CliSettings {
  config: Config;
  source: SourceOptions;
}

/** A flag beats its SDK variable; both are trimmed, and '' means unset. */
export function readSettings(args: ParsedArgs, env: Environment): CliSettings {
  const flag = (name: string): string | undefined => {
    const value = args.flags[name];
    return typeof value === 'string' ? value.trim() : undefined;
  };
  const read = (name: string): string => {
    const variable = SETTING_FLAGS[name];
    return flag(name) ?? (variable === undefined ? '' : (env[variable] ?? '').trim());
  };
  const config = parseConfig(read);
  const optional = (value: string | undefined): string | undefined =>
    value === '' ? undefined : value;
  return {
    config,
    source: {
      ci: parseCi(flag('ci') ?? 'auto'),
      audience: config.audience,
      tokenFile: optional(flag('oidc-token-file') ?? env['DATABRICKS_OIDC_TOKEN_FILEPATH']),
      tokenEnv: optional(flag('oidc-token-env') ?? env['DATABRICKS_OIDC_TOKEN_ENV']),
    },
  };
}

function parseCi(value: string): CiChoice {
  if ((CI_CHOICES as readonly string[]).includes(value)) return value as CiChoice;
  throw invalidSetting(
    'ci',
    `${quoted(value)} is not a known CI`,
    `Use one of ${CI_CHOICES.join(', ')}`,
  );
}
