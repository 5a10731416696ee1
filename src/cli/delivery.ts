// The hand-off of one run's variables (exchange, obo mint): where and how they go is settled
// before any request, so that nothing is minted that could not then be delivered.
import { invalidSetting, type CiName } from '../core/index.ts';
import type { ParsedArgs } from './args.ts';
import {
  checkOutputPath,
  gitHubEnvFile,
  render,
  resolveFormat,
  writeGitHubEnv,
  writeOutputFile,
} from './handoff.ts';
import { announceMasks, HOLDS_TOKEN } from './mask.ts';
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
  const format = resolveFormat(requestedFormat(args), ci);
  if (format === 'github' && output !== undefined)
    throw invalidSetting(
      'output',
      'cannot be combined with --format github',
      'The github format writes to $GITHUB_ENV; drop --output',
    );
  if (format === 'github') gitHubEnvFile(session.env);
  if (output !== undefined) await checkOutputPath(output, force);
  return async (variables) => {
    const secrets = Object.entries(variables)
      .filter(([name]) => SECRET_VARIABLES.has(name))
      .map(([, value]) => value);
    await announceMasks({
      ci,
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
