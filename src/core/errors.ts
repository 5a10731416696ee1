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

/**
 * What kind of failure it is, set by the builder that makes the error: the command line's exit
 * code and the job summary's verdict are one lookup of it each, and no code reads a message.
 */
export type FailureKind = 'bad-input' | 'no-source' | 'unavailable' | 'refused' | 'transient';

/** What the job summary says of each kind: whether to fix something or to run again. */
export const KIND_LABELS: Record<FailureKind, string> = {
  'bad-input': 'bad input: the settings cannot work as given',
  'no-source': 'no OIDC token source found',
  unavailable: "the CI's OIDC token could not be had",
  refused: 'refused: a policy, grant or answer to change',
  transient: 'transient: running the job again may succeed',
};

/** Getting the job's own JWT: a failure there is the CI's (unavailable), not the settings'. */
const CI_STAGES: ReadonlySet<Stage> = new Set(['github-token', 'ci-token']);

function defaultKind(stage: Stage): FailureKind {
  if (stage === 'inputs' || stage === 'outputs') return 'bad-input';
  return CI_STAGES.has(stage) ? 'unavailable' : 'refused';
}

export interface StageErrorOptions extends ErrorOptions {
  /** Default: bad input while reading inputs or writing outputs, unavailable at the CI's token service, refused elsewhere. */
  kind?: FailureKind;
}

/** An expected failure: what went wrong at which stage, and what the user should do about it. */
export class StageError extends Error {
  readonly stage: Stage;
  readonly hint: string;
  readonly kind: FailureKind;

  constructor(stage: Stage, problem: string, hint: string, options?: StageErrorOptions) {
    super(`${STAGE_LABELS[stage]} failed: ${problem}. ${hint}`, options);
    this.name = 'StageError';
    this.stage = stage;
    this.hint = hint;
    this.kind = options?.kind ?? defaultKind(stage);
  }
}

/** The kind of any failure: a StageError's own; anything else is not one the core expected. */
export function failureKind(error: unknown): FailureKind | undefined {
  return error instanceof StageError ? error.kind : undefined;
}

/**
 * Settings that cannot work, found only once the run is under way: an account console without an
 * account ID, a custom domain without an audience, a host name that does not resolve, a certificate
 * the runner does not trust. Bad input (the CLI exits 2), not a refusal by Databricks; at the CI's
 * own token service the CI's (unavailable).
 */
export class ConfigurationError extends StageError {
  constructor(stage: Stage, problem: string, hint: string) {
    super(stage, problem, hint, { kind: CI_STAGES.has(stage) ? 'unavailable' : 'bad-input' });
    this.name = 'ConfigurationError';
  }
}

/** One line for `::error::`: a StageError as is, anything else as an internal error worth reporting. */
export function describeFailure(error: unknown): string {
  if (error instanceof StageError) return error.message;
  const detail = error instanceof Error ? error.message : String(error);
  return `Unexpected internal error: ${detail}. Please report it with the log of this step.`;
}
