import {
  CI_CHOICES,
  CI_ROWS,
  invalidSetting,
  jobName,
  parseConfig,
  quoted,
  type CiChoice,
  type CiName,
  type Config,
  type Environment,
  type SourceOptions,
  unexpandedMacro,
} from '../core/index.ts';
import { settingFlag, type ParsedArgs } from './args.ts';
import { refuseMisspeltHost } from './host-typo.ts';
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
  const variable = (name: string | undefined): string | undefined => {
    const value = name === undefined ? undefined : env[name]?.trim();
    const unexpanded = value ? unexpandedMacro('inputs', name ?? '', value) : undefined;
    if (unexpanded !== undefined) throw unexpanded;
    return value;
  };
  const read = (name: string): string =>
    flag(settingFlag(args.command, name)) ?? variable(SETTING_FLAGS[name]) ?? '';
  const ci = parseCi(flag('ci') ?? 'auto');
  // The job is named after the CI whose token is used: the one --ci names, else the detected one.
  const named = Object.hasOwn(CI_ROWS, ci) ? (ci as CiName) : undefined;
  const config = parseConfig((name) => {
    const value = read(name);
    return name === 'pat-comment' && value === '' ? jobName(env, named) : value;
  });
  refuseMisspeltHost(config);
  const optional = (value: string | undefined): string | undefined =>
    value === '' ? undefined : value;
  return {
    config,
    source: {
      ci,
      audience: config.audience,
      tokenFile: optional(flag('oidc-token-file') ?? variable(SOURCE_VARIABLES['oidc-token-file'])),
      tokenEnv: optional(flag('oidc-token-env') ?? variable(SOURCE_VARIABLES['oidc-token-env'])),
      azureServiceConnection: serviceConnection(
        optional(
          flag('azure-service-connection') ??
            variable(SOURCE_VARIABLES['azure-service-connection']),
        ),
      ),
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The service connection's ID goes into the token request's query: a UUID, nothing else. */
function serviceConnection(value: string | undefined): string | undefined {
  if (value === undefined || UUID.test(value)) return value;
  throw invalidSetting(
    'azure-service-connection',
    `${quoted(value)} is not a service connection ID (a UUID)`,
    'Set --azure-service-connection (DATABRICKS_AZURE_SERVICE_CONNECTION) to the ID of the service connection (resourceId= in the address of its page under Project settings > Service connections), not its name',
  );
}
