import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { ParsedArgs } from '../args.ts';
import { credentialEnv, type Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';

export async function execCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const { credentials } = await session.credentials(settings);
  session.dispose();
  return runChild(args.child, { ...session.env, ...credentialEnv(credentials) }, session);
}

/** Runs the child with our stdio; its exit code, or 128 + the signal that killed it. */
export function runChild(
  command: string[],
  env: Record<string, string | undefined>,
  session: Session,
): Promise<number> {
  const [file = '', ...rest] = command;
  return new Promise((resolve) => {
    const child = spawn(file, rest, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (error: NodeJS.ErrnoException) => {
      session.log.info(`Cannot run ${JSON.stringify(file)}: ${error.code ?? error.message}`);
      resolve(error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
}
