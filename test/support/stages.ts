// The words every failure line starts with, from the source itself, so no suite keeps a copy.
import { STAGE_LABELS, type Stage } from '../../src/core/errors.ts';

/** `Reading inputs failed: ` and so on: what an `::error::` line of that stage starts with. */
export function failurePrefix(stage: Stage): string {
  return `${STAGE_LABELS[stage]} failed: `;
}

export const FAILURE_PREFIXES: readonly string[] = Object.keys(STAGE_LABELS).map((stage) =>
  failurePrefix(stage as Stage),
);
