// The hand-off of one run's variables (exchange, obo mint): where and how they go is settled
// before any request, so that nothing is minted that could not then be delivered.
import { CI_ROWS, invalidSetting, type CiName } from '../core/index.ts';
import type { ParsedArgs } from './args.ts';
import {
  checkGitHubEnv,
  checkOutputPath,
  render,
  resolveFormat,
  writeGitHubEnv,
  writeOutputFile,
  type Format,
} from './handoff.ts';
import { announceMasks, HOLDS_TOKEN, maskingRunner } from './mask.ts';
import { SECRET_VARIABLES, type Session } from './session.ts';
import { writeStdout } from './stdio.ts';

export type Deliver = (variables: Record<string, string>) => Promise<void>;

/** A bad --format fails before the token source is even looked for. */
export function requestedFormat(args: ParsedArgs): string | undefined {
  const requested = typeof args.flags['format'] === 'string' ? args.flags['format'] : undefined;
  resolveFormat(requested, undefined);
  return requested;
}

/** Checks the destination now; the returned function masks, renders and writes the variables. */
export async function prepareDelivery(
  args: ParsedArgs,
  session: Session,
  ci: CiName | undefined,
): Promise<Deliver> {
  const output = typeof args.flags['output'] === 'string' ? args.flags['output'] : undefined;
  const force = args.flags['force'] === true;
  // auto: the format of the runner that reads the output (GitHub's, even with a stray Azure marker).
  const runner = maskingRunner(session.env, ci);
  const format = resolveFormat(requestedFormat(args), runner);
  if (format === 'github' && output !== undefined)
    throw invalidSetting(
      'output',
      'cannot be combined with --format github',
      'The github format writes to $GITHUB_ENV; drop --output',
    );
  if (format === 'github') await checkGitHubEnv(session.env);
  if (output !== undefined) await checkOutputPath(output, force);
  refuseUnmaskedAzure(format, output, runner);
  return async (variables) => {
    const secrets = Object.entries(variables)
      .filter(([name]) => SECRET_VARIABLES.has(name))
      .map(([, value]) => value);
    await announceMasks({
      ci,
      env: session.env,
      format,
      secrets,
      note: (line) => session.log.notice(line),
      holds: HOLDS_TOKEN,
      stdoutIsData: output === undefined && (format === 'json' || format === 'dotenv'),
    });
    const text = render(format, variables, SECRET_VARIABLES);
    if (format === 'github') await writeGitHubEnv(session.env, text);
    else if (output !== undefined) await writeOutputFile(output, text, force);
    else writeStdout(text);
  };
}

/** Azure's logging commands to stdout where no Azure agent reads them would print the secret. */
export function refuseUnmaskedAzure(
  format: Format,
  output: string | undefined,
  runner: CiName | undefined,
): void {
  if (format === 'azure' && output === undefined && runner !== 'azure-devops')
    throw invalidSetting(
      'format',
      'is azure, but this is no Azure Pipelines job: nothing here honours its task.setsecret masking, so the token would be printed in clear',
      `Use --format azure only in Azure Pipelines (${CI_ROWS['azure-devops'].markers.join(', ')} set); elsewhere let --format auto choose, or write the file with --output FILE`,
    );
}
