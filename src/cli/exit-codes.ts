import {
  ConfigurationError,
  ExchangeRefusedError,
  sourceFailure,
  StageError,
} from '../core/index.ts';

export const EXIT = {
  ok: 0,
  usage: 2,
  noSource: 3,
  unavailable: 4,
  refused: 5,
  transient: 6,
} as const;

/** The exit code of a failure, by its class (see the README's exit code table). */
export function exitCodeOf(error: unknown): number {
  const failure = sourceFailure(error);
  if (failure === 'not-found') return EXIT.noSource;
  if (failure === 'unavailable') return EXIT.unavailable;
  if (error instanceof ExchangeRefusedError) return EXIT.refused;
  if (!(error instanceof StageError)) return 1;
  const ciToken = error.stage === 'ci-token' || error.stage === 'github-token';
  // A host or certificate problem at the CI's own token service is the CI's, not the settings'.
  if (error instanceof ConfigurationError && !ciToken) return EXIT.usage;
  if (error.stage === 'inputs' || error.stage === 'outputs') return EXIT.usage;
  if (error.hint.startsWith('This looks transient')) return EXIT.transient;
  // A PAT left valid because the network failed is transient, not refused.
  if (error.cause !== undefined && exitCodeOf(error.cause) === EXIT.transient)
    return EXIT.transient;
  if (ciToken) return EXIT.unavailable;
  return EXIT.refused;
}
