import type { Environment } from './github-actions.ts';
import type { SourceDeps } from './source-deps.ts';
import type { SubjectTokenSource } from './source.ts';

/** The CIs the command line knows, as `--ci` names them. */
export type CiName =
  | 'github'
  | 'gitlab'
  | 'azure-devops'
  | 'circleci'
  | 'buildkite'
  | 'bitbucket'
  | 'jenkins'
  | 'terraform-cloud'
  | 'kubernetes';

/** What a detector is told: the audience given explicitly (a flag or DATABRICKS_TOKEN_AUDIENCE). */
export interface DetectOptions {
  audience: string | undefined;
}

/** One CI: how to tell it runs here, and how to get its JWT (throws that CI's fix when it cannot). */
export interface CiDetector {
  readonly ci: CiName;
  readonly label: string;
  /** Why this CI is taken to be running, or undefined when it is not. */
  present(env: Environment): string | undefined;
  source(deps: SourceDeps, options: DetectOptions): SubjectTokenSource;
}
