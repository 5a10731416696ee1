import { invalidSetting } from '../config.ts';
import { tokenEnvSource, tokenFileSource } from '../subject-token/explicit.ts';
import { noTokenSource, type Environment, type SourceDeps } from '../subject-token/source-deps.ts';
import type { SubjectTokenSource } from '../subject-token/source.ts';
import { CI_CATALOG, CI_ROWS, type CiChoice, type CiName } from './catalog.ts';
import { detectCi, presence } from './markers.ts';
import type { DetectOptions } from './source.ts';
import { CI_SOURCES } from './sources/index.ts';
import { KUBERNETES_FIX } from './sources/kubernetes.ts';

export interface SourceOptions extends DetectOptions {
  ci: CiChoice;
  tokenFile: string | undefined;
  tokenEnv: string | undefined;
}

export interface DetectedToken {
  /** The CI the job runs on (for masking and the hand-off), whatever gave the token. */
  ci: CiName | undefined;
  source: SubjectTokenSource;
}

/** One line per source looked for: for `doctor` and the "nothing found" error. */
export interface SourceFinding {
  source: string;
  matched: boolean;
  why: string;
}

export function findings(env: Environment, options: SourceOptions): SourceFinding[] {
  const explicit: SourceFinding[] = [
    finding('--oidc-token-file / DATABRICKS_OIDC_TOKEN_FILEPATH', options.tokenFile),
    finding('--oidc-token-env / DATABRICKS_OIDC_TOKEN_ENV', options.tokenEnv),
    finding('DATABRICKS_OIDC_TOKEN', env['DATABRICKS_OIDC_TOKEN'] ? 'set' : undefined),
  ];
  return [
    ...explicit,
    ...CI_CATALOG.map((row) => {
      const why = presence(row, env);
      return { source: row.label, matched: why !== undefined, why: why ?? 'not detected' };
    }),
  ];
}

function finding(source: string, value: string | undefined): SourceFinding {
  return { source, matched: value !== undefined, why: value === undefined ? 'not set' : 'set' };
}

/** Explicit beats ambient; first match wins; a detected CI without a token fails with its fix. */
export function detectSubjectToken(deps: SourceDeps, options: SourceOptions): DetectedToken {
  const ci =
    options.ci === 'auto' || options.ci === 'env' || options.ci === 'file'
      ? detectCi(deps.env)
      : options.ci;
  const explicit = explicitSource(deps, options);
  if (explicit !== undefined) return { ci, source: explicit };
  if (options.ci === 'env') throw explicitSourceNeeded('env', '--oidc-token-env NAME');
  if (options.ci === 'file')
    throw explicitSourceNeeded(
      'file',
      '--oidc-token-file PATH (or DATABRICKS_OIDC_TOKEN_FILEPATH)',
    );
  const found =
    options.ci === 'auto'
      ? CI_CATALOG.find((row) => row.ambient && presence(row, deps.env) !== undefined)?.name
      : options.ci;
  if (found === undefined)
    throw noTokenSource(
      'no OIDC token source was found (looked for --oidc-token-file, --oidc-token-env, DATABRICKS_OIDC_TOKEN, and Azure Pipelines, GitHub Actions, CircleCI, Buildkite, GitLab, Bitbucket, HCP Terraform and Jenkins variables)',
      presence(CI_ROWS.kubernetes, deps.env) === undefined
        ? 'Run this in a CI job with OIDC enabled, or pass a token with --oidc-token-file or DATABRICKS_OIDC_TOKEN'
        : `In a Kubernetes pod: ${KUBERNETES_FIX}`,
    );
  return { ci: found, source: CI_SOURCES[found].source(deps, options) };
}

/** `--ci env` and `--ci file` name where the token is, not a CI: without that place, bad input. */
function explicitSourceNeeded(choice: 'env' | 'file', flag: string): Error {
  return invalidSetting(
    'ci',
    `is ${choice}, but no token ${choice === 'env' ? 'variable' : 'file'} is named`,
    `Name it with ${flag}${choice === 'env' ? ' (or DATABRICKS_OIDC_TOKEN_ENV), or set DATABRICKS_OIDC_TOKEN' : ''}`,
  );
}

function explicitSource(deps: SourceDeps, options: SourceOptions): SubjectTokenSource | undefined {
  if (options.tokenFile !== undefined && options.tokenEnv !== undefined)
    throw invalidSetting(
      'oidc-token-file',
      'and oidc-token-env are both set',
      'Name one token source: a file (--oidc-token-file) or a variable (--oidc-token-env)',
    );
  if (options.tokenFile !== undefined)
    return tokenFileSource(options.tokenFile, deps, 'the token file');
  if (options.tokenEnv !== undefined)
    return tokenEnvSource(options.tokenEnv, deps.env[options.tokenEnv], deps.secrets);
  const given = deps.env['DATABRICKS_OIDC_TOKEN'];
  if (given) return tokenEnvSource('DATABRICKS_OIDC_TOKEN', given, deps.secrets);
  return undefined;
}
