import type { ParsedArgs } from '../args.ts';
import { render, resolveFormat, writeGitHubEnv, writeOutputFile } from '../handoff.ts';
import { maskSecrets } from '../mask.ts';
import { credentialEnv, SECRET_VARIABLES, type Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../system.ts';
import { invalidSetting } from '../../core/index.ts';

export async function exchangeCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const output = typeof args.flags['output'] === 'string' ? args.flags['output'] : undefined;
  const requested = typeof args.flags['format'] === 'string' ? args.flags['format'] : undefined;
  resolveFormat(requested, undefined); // a bad --format fails before any request
  const { ci, credentials } = await session.credentials(settings);
  const format = resolveFormat(requested, ci);
  if (format === 'github' && output !== undefined)
    throw invalidSetting(
      'output',
      'cannot be combined with --format github',
      'The github format writes to $GITHUB_ENV; drop --output',
    );
  const variables = credentialEnv(credentials);
  const secrets = Object.entries(variables)
    .filter(([name]) => SECRET_VARIABLES.has(name))
    .map(([, value]) => value);
  const masks = await maskSecrets(ci, format, secrets, (line) => session.log.notice(line));
  if (masks.length > 0) writeStdout(masks.map((line) => `${line}\n`).join(''));
  const text = render(format, variables, SECRET_VARIABLES);
  if (format === 'github') await writeGitHubEnv(session.env, text);
  else if (output !== undefined) await writeOutputFile(output, text, args.flags['force'] === true);
  else writeStdout(text);
  return 0;
}
