import { failureKind, type FailureKind } from '../core/index.ts';

export const EXIT = {
  ok: 0,
  usage: 2,
  noSource: 3,
  unavailable: 4,
  refused: 5,
  transient: 6,
} as const;

const BY_KIND: Record<FailureKind, number> = {
  'bad-input': EXIT.usage,
  'no-source': EXIT.noSource,
  unavailable: EXIT.unavailable,
  refused: EXIT.refused,
  transient: EXIT.transient,
};

/** The exit code of a failure, by its kind (see the README's exit code table); 1 if unexpected. */
export function exitCodeOf(error: unknown): number {
  const kind = failureKind(error);
  return kind === undefined ? 1 : BY_KIND[kind];
}
