import type { Environment } from './github-actions.ts';
import type { SourceDeps } from './source-deps.ts';
import type { SubjectTokenSource } from './source.ts';

/** The CIs the command line knows, as `--ci` names them (Kubernetes last: never ambient). */
export const CI_NAMES = [
  'azure-devops',
  'github',
  'circleci',
  'buildkite',
  'gitlab',
  'bitbucket',
  'terraform-cloud',
  'jenkins',
  'kubernetes',
] as const;
export type CiName = (typeof CI_NAMES)[number];

/** What `--ci` takes: detect, one CI, or an explicit source. Light: no detector is loaded. */
export const CI_CHOICES = ['auto', ...CI_NAMES, 'env', 'file'] as const;
export type CiChoice = (typeof CI_CHOICES)[number];

/** What a detector is told: the audience given explicitly (a flag or DATABRICKS_TOKEN_AUDIENCE). */
export interface DetectOptions {
  audience: string | undefined;
  /** Azure Pipelines: the service connection whose token is asked for (sub sc://…). */
  azureServiceConnection?: string | undefined;
}

/** One CI: how to tell it runs here, and how to get its JWT (throws that CI's fix when it cannot). */
export interface CiDetector {
  readonly ci: CiName;
  readonly label: string;
  /** Why this CI is taken to be running, or undefined when it is not. */
  present(env: Environment): string | undefined;
  source(deps: SourceDeps, options: DetectOptions): SubjectTokenSource;
}
