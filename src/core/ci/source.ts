import type { SourceDeps } from '../subject-token/source-deps.ts';
import type { SubjectTokenSource } from '../subject-token/source.ts';

/** What a CI's source is told: the audience given explicitly (a flag or DATABRICKS_TOKEN_AUDIENCE). */
export interface DetectOptions {
  audience: string | undefined;
  /** Azure Pipelines: the service connection whose token is asked for (sub sc://…). */
  azureServiceConnection?: string | undefined;
}

/** How to get one CI's JWT (throws that CI's fix when it cannot); its row says when it runs. */
export interface CiSource {
  source(deps: SourceDeps, options: DetectOptions): SubjectTokenSource;
}
