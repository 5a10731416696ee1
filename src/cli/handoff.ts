import { constants } from 'node:fs';
import { access, appendFile, lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  holdsRunnerCommand,
  invalidSetting,
  logSafeJson,
  StageError,
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
  // Every value was checked by its kind on arrival; a line break would still end one line and
  // start another (a command, another variable) in every format.
  for (const [name, value] of entries) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value))
      throw new StageError(
        'outputs',
        `the value of ${name} holds a line break or another control character`,
        'No value Databricks gives does: check that host is the Databricks URL itself, not a look-alike',
      );
    // Azure's agent reads ##vso[ anywhere in a line of the log, whatever the format around it.
    if (holdsRunnerCommand(value))
      throw new StageError(
        'outputs',
        `the value of ${name} holds a runner's logging command (##vso[ or ##[)`,
        'No value Databricks gives does: check that host is the Databricks URL itself, not a look-alike',
      );
  }
  switch (format) {
    case 'shell':
      return entries.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('');
    case 'dotenv':
      return entries.map(([name, value]) => `${name}=${dotenvValue(value)}\n`).join('');
    case 'json':
      return `${logSafeJson(variables)}\n`;
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

/**
 * `--output` checked before anything is minted: a symlink is always refused, an existing file
 * unless --force, and a directory this user cannot write to (a token minted then would be
 * undelivered).
 */
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
  if (existing?.isDirectory())
    throw invalidSetting('output', `${quoted(path)} is a directory`, 'Give the path of a file');
  // Replaced by rename, a device node (/dev/null, run as root) would become a file with the token.
  if (existing?.isCharacterDevice() === true || existing?.isBlockDevice() === true)
    throw invalidSetting(
      'output',
      `${quoted(path)} is a device, not a file`,
      'Give the path of a regular file; to discard the hand-off, leave out --output',
    );
  await access(dirname(path), constants.W_OK | constants.X_OK).catch((error: unknown) => {
    throw invalidSetting(
      'output',
      `${quoted(path)} cannot be written: its directory ${quoted(dirname(path))} is missing or not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'Write to a directory this user can write to, such as the CI temp directory',
    );
  });
}

/**
 * `--output`: a new file of mode 0600 (checked again; never following a symlink). With --force the
 * path is replaced, never written through: a new file beside it, renamed over it, so that a file
 * or FIFO someone else planted there is unlinked, not filled.
 */
export async function writeOutputFile(path: string, text: string, force: boolean): Promise<void> {
  await checkOutputPath(path, force);
  if (!force) return writeNewFile(path, text);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeNewFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function writeNewFile(path: string, text: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
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

/** $GITHUB_ENV must be a file this user can append to, checked before anything is minted. */
export async function checkGitHubEnv(env: Environment): Promise<void> {
  const file = gitHubEnvFile(env);
  await access(file, constants.W_OK).catch((error: unknown) => {
    throw invalidSetting(
      'format',
      `is github, but GITHUB_ENV (${quoted(file)}) cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'Run it in a step of the job whose runner made GITHUB_ENV, or use --format shell',
    );
  });
}

/** `--format github`: the variables appended to $GITHUB_ENV, as the action's file commands do. */
export async function writeGitHubEnv(env: Environment, text: string): Promise<void> {
  await appendFile(gitHubEnvFile(env), text);
}
