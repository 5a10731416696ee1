import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { obtainCredentials } from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import { exitCodeOf } from '../exit-codes.ts';
import { mintedPat, revokeMinted, type MintedPat } from '../revoke.ts';
import { credentialEnv, type Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';

export async function execCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const { deps } = session.coreDeps(settings);
  let minted: MintedPat | undefined;
  const credentials = await obtainCredentials(settings.config, {
    ...deps,
    onPat: (pat, workspaceUrl) => (minted = mintedPat(pat, workspaceUrl, settings, deps)),
  });
  session.dispose();
  const env = { ...session.env, ...credentialEnv(credentials) };
  if (minted === undefined) return runChild(args.child, env, session);
  const pat = minted;
  session.log.info(
    `The command gets the job-scoped PAT ${pat.saved.tokenId} as DATABRICKS_TOKEN; it is revoked when the command exits`,
  );
  const code = await runChild(args.child, env, session);
  const failure = await withSignalsHeld(() => revokeMinted(session, pat));
  // A PAT left valid fails a run that otherwise succeeded; a failed child keeps its own code.
  return failure === undefined || code !== 0 ? code : exitCodeOf(failure);
}

/** The revocation after the child must finish even when the job is being cancelled. */
async function withSignalsHeld<T>(work: () => Promise<T>): Promise<T> {
  const hold = (): void => undefined;
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  try {
    return await work();
  } finally {
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
  }
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
