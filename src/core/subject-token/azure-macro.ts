import { StageError, type Stage } from '../errors.ts';
import { neutralise } from '../secrets/text.ts';

/**
 * Azure Pipelines leaves `$(name)` as it is when the pipeline has no variable `name`: a step
 * mapping `X: $(Y)` then gets the text "$(Y)". No host, URL, path or token contains that shape.
 */
const MACRO = /\$\(([A-Za-z0-9_.-]+)\)/;

/** The error for a variable that holds an unexpanded `$(…)` macro, or undefined. */
export function unexpandedMacro(
  stage: Stage,
  variable: string,
  value: string,
): StageError | undefined {
  const macro = MACRO.exec(value)?.[1];
  if (macro === undefined) return undefined;
  return new StageError(
    stage,
    `${variable} holds "$(${neutralise(macro, 80)})", an Azure Pipelines macro that was not expanded: the pipeline has no variable of that name for the step's env: mapping`,
    'Define that variable in the pipeline (variables:, a variable group), fix its name in the env: mapping, or drop the mapping',
  );
}
