/** The step of the run that failed; every error message starts with it. */
export type Stage =
  | 'inputs'
  | 'github-token'
  | 'ci-token'
  | 'discovery'
  | 'exchange'
  | 'lakebase'
  | 'pat'
  | 'obo'
  | 'revoke'
  | 'outputs';

export const STAGE_LABELS: Record<Stage, string> = {
  inputs: 'Reading inputs',
  'github-token': 'Requesting the GitHub OIDC token',
  'ci-token': "Getting the CI's OIDC token",
  discovery: 'Discovering the Databricks host',
  exchange: 'Exchanging the token at Databricks',
  lakebase: 'Minting the Lakebase credential',
  pat: 'Minting the job-scoped PAT',
  obo: 'Rotating on-behalf-of tokens',
  revoke: 'Revoking the job-scoped PAT',
  outputs: 'Writing outputs',
};

/** An expected failure: what went wrong at which stage, and what the user should do about it. */
export class StageError extends Error {
  readonly stage: Stage;
  readonly hint: string;

  constructor(stage: Stage, problem: string, hint: string, options?: ErrorOptions) {
    super(`${STAGE_LABELS[stage]} failed: ${problem}. ${hint}`, options);
    this.name = 'StageError';
    this.stage = stage;
    this.hint = hint;
  }
}

/**
 * Settings that cannot work, found only once the run is under way: an account console without an
 * account ID, a custom domain without an audience, a host name that does not resolve, a certificate
 * the runner does not trust. Bad input (the CLI exits 2), not a refusal by Databricks.
 */
export class ConfigurationError extends StageError {
  constructor(stage: Stage, problem: string, hint: string) {
    super(stage, problem, hint);
    this.name = 'ConfigurationError';
  }
}

/** One line for `::error::`: a StageError as is, anything else as an internal error worth reporting. */
export function describeFailure(error: unknown): string {
  if (error instanceof StageError) return error.message;
  const detail = error instanceof Error ? error.message : String(error);
  return `Unexpected internal error: ${detail}. Please report it with the log of this step.`;
}
