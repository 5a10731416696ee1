import {
  CI_CHOICES,
  invalidSetting,
  jobName,
  parseConfig,
  quoted,
  type CiChoice,
  type Config,
  type Environment,
  type SourceOptions,
} from '../core/index.ts';
import { settingFlag, type ParsedArgs } from './args.ts';
import { SETTING_FLAGS, SOURCE_VARIABLES } from './setting-variables.ts';

export interface CliSettings {
  config: Config;
  source: SourceOptions;
}

/**
 * A flag beats its SDK variable; both are trimmed, and '' means unset. A boolean flag given reads
 * as 'true'; a setting may have another flag name in a command (obo-keep is --keep of obo prune).
 */
export function readSettings(args: ParsedArgs, env: Environment): CliSettings {
  const flag = (name: string): string | undefined => {
    const value = args.flags[name];
    if (value === true) return 'true';
    return typeof value === 'string' ? value.trim() : undefined;
  };
  const read = (name: string): string => {
    const variable = SETTING_FLAGS[name];
    return (
      flag(settingFlag(args.command, name)) ??
      (variable === undefined ? '' : (env[variable] ?? '').trim())
    );
  };
  const config = parseConfig((name) => {
    const value = read(name);
    return name === 'pat-comment' && value === '' ? jobName(env) : value;
  });
  const optional = (value: string | undefined): string | undefined =>
    value === '' ? undefined : value;
  return {
    config,
    source: {
      ci: parseCi(flag('ci') ?? 'auto'),
      audience: config.audience,
      tokenFile: optional(flag('oidc-token-file') ?? env[SOURCE_VARIABLES['oidc-token-file']]),
      tokenEnv: optional(flag('oidc-token-env') ?? env[SOURCE_VARIABLES['oidc-token-env']]),
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
