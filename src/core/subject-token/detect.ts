import { invalidSetting } from '../config.ts';
import { azureDevops } from './azure-devops.ts';
import { bitbucket } from './bitbucket.ts';
import { buildkite } from './buildkite.ts';
import type { CiChoice, CiDetector, CiName, DetectOptions } from './ci-detector.ts';
import { circleci } from './circleci.ts';
import { tokenEnvSource, tokenFileSource } from './explicit.ts';
import type { Environment } from './github-actions.ts';
import { gitHub } from './github-ci.ts';
import { gitlab } from './gitlab.ts';
import { jenkins } from './jenkins.ts';
import { KUBERNETES_FIX, kubernetes } from './kubernetes.ts';
import { noTokenSource, type SourceDeps } from './source-deps.ts';
import type { SubjectTokenSource } from './source.ts';
import { terraformCloud } from './terraform-cloud.ts';

/** Ambient CIs in the order they are tried: specific variables before incidental ones. */
export const CI_DETECTORS: readonly CiDetector[] = [
  azureDevops,
  gitHub,
  circleci,
  buildkite,
  gitlab,
  bitbucket,
  terraformCloud,
  jenkins,
];

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

/** The CI whose variables are present, in detection order (Kubernetes last). */
export function detectCi(env: Environment): CiName | undefined {
  return [...CI_DETECTORS, kubernetes].find((detector) => detector.present(env) !== undefined)?.ci;
}

export function findings(env: Environment, options: SourceOptions): SourceFinding[] {
  const explicit: SourceFinding[] = [
    finding('--oidc-token-file / DATABRICKS_OIDC_TOKEN_FILEPATH', options.tokenFile),
    finding('--oidc-token-env / DATABRICKS_OIDC_TOKEN_ENV', options.tokenEnv),
    finding('DATABRICKS_OIDC_TOKEN', env['DATABRICKS_OIDC_TOKEN'] ? 'set' : undefined),
  ];
  return [
    ...explicit,
    ...[...CI_DETECTORS, kubernetes].map((detector) => {
      const why = detector.present(env);
      return { source: detector.label, matched: why !== undefined, why: why ?? 'not detected' };
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
  if (options.ci === 'kubernetes') return { ci, source: kubernetes.source(deps, options) };
  const detector =
    options.ci === 'auto'
      ? CI_DETECTORS.find((candidate) => candidate.present(deps.env) !== undefined)
      : CI_DETECTORS.find((candidate) => candidate.ci === options.ci);
  if (detector === undefined)
    throw noTokenSource(
      'no OIDC token source was found (looked for --oidc-token-file, --oidc-token-env, DATABRICKS_OIDC_TOKEN, and Azure Pipelines, GitHub Actions, CircleCI, Buildkite, GitLab, Bitbucket, HCP Terraform and Jenkins variables)',
      kubernetes.present(deps.env) === undefined
        ? 'Run this in a CI job with OIDC enabled, or pass a token with --oidc-token-file or DATABRICKS_OIDC_TOKEN'
        : `In a Kubernetes pod: ${KUBERNETES_FIX}`,
    );
  return { ci: detector.ci, source: detector.source(deps, options) };
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
