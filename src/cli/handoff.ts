import { constants } from 'node:fs';
import { appendFile, lstat, open } from 'node:fs/promises';
import {
  invalidSetting,
  quoted,
  shellQuote,
  type CiName,
  type Environment,
} from '../core/index.ts';

export const FORMATS = ['auto', 'shell', 'dotenv', 'json', 'github', 'azure'] as const;
export type Format = Exclude<(typeof FORMATS)[number], 'auto'>;

export function resolveFormat(value: string | undefined, ci: CiName | undefined): Format {
  const chosen = value ?? 'auto';
  if (!(FORMATS as readonly string[]).includes(chosen))
    throw invalidSetting(
      'format',
      `${quoted(chosen)} is not a format`,
      `Use one of ${FORMATS.join(', ')}`,
    );
  if (chosen !== 'auto') return chosen as Format;
  return ci === 'azure-devops' ? 'azure' : ci === 'github' ? 'github' : 'shell';
}

/** The hand-off text of the variables in one format (github is written to $GITHUB_ENV instead). */
export function render(
  format: Format,
  variables: Record<string, string>,
  secret: Set<string>,
): string {
  const entries = Object.entries(variables);
  switch (format) {
    case 'shell':
      return entries.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('');
    case 'dotenv':
      return entries.map(([name, value]) => `${name}=${dotenvValue(value)}\n`).join('');
    case 'json':
      return `${JSON.stringify(variables)}\n`;
    case 'azure':
      return entries
        .map(
          ([name, value]) =>
            `##vso[task.setvariable variable=${name}${secret.has(name) ? ';issecret=true' : ''}]${value}\n`,
        )
        .join('');
    case 'github':
      return entries
        .map(([name, value]) => {
          const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
          return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
        })
        .join('');
  }
}

function dotenvValue(value: string): string {
  return /^[A-Za-z0-9_./:@+=-]*$/.test(value) ? value : shellQuote(value);
}

/** `--output` checked before anything is minted: a symlink is always refused, an existing file unless --force. */
export async function checkOutputPath(path: string, force: boolean): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isSymbolicLink())
    throw invalidSetting(
      'output',
      `${quoted(path)} is a symbolic link`,
      'Write to a new path of a regular file',
    );
  if (existing !== undefined && !force)
    throw invalidSetting(
      'output',
      `${quoted(path)} already exists`,
      'Choose a new path, or add --force to replace it',
    );
}

/** `--output`: a new file of mode 0600 (checked again, and opened so that no symlink is followed). */
export async function writeOutputFile(path: string, text: string, force: boolean): Promise<void> {
  await checkOutputPath(path, force);
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    (force ? constants.O_TRUNC : constants.O_EXCL);
  const handle = await open(path, flags, 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/** `--format github` writes to $GITHUB_ENV, which exists only inside a GitHub Actions job. */
export function gitHubEnvFile(env: Environment): string {
  const file = env['GITHUB_ENV'];
  if (!file)
    throw invalidSetting(
      'format',
      'is github, but GITHUB_ENV is not set',
      'Use --format github only inside a GitHub Actions job',
    );
  return file;
}

/** `--format github`: the variables appended to $GITHUB_ENV, as the action's file commands do. */
export async function writeGitHubEnv(env: Environment, text: string): Promise<void> {
  await appendFile(gitHubEnvFile(env), text);
}
