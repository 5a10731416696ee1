import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { invalidSetting } from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import { exitCodeOf } from '../exit-codes.ts';
import { announceMasks } from '../mask.ts';
import { revokeMinted, withJobPat } from '../revoke.ts';
import { credentialEnv, SECRET_VARIABLES, type Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';

/** What a CI sends to stop a job (SIGHUP: the terminal or the agent went away). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function execCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const command = childCommand(args.child);
  const { ci, deps } = session.coreDeps(settings);
  // With a PAT to mint, no signal ends this process before it is revoked (without, one may).
  const signals = holdSignals(settings.config.pat !== undefined);
  try {
    return await withJobPat(session, settings, deps, async (credentials, pat) => {
      session.dispose();
      const variables = credentialEnv(credentials);
      await announceMasks({
        ci,
        env: session.env,
        format: 'shell',
        secrets: Object.entries(variables)
          .filter(([name]) => SECRET_VARIABLES.has(name))
          .map(([, value]) => value),
        note: (line) => session.log.notice(line),
        stdoutIsData: true,
        stderrOnly: true,
      });
      if (pat !== undefined)
        session.log.info(
          `The command gets the job-scoped PAT ${pat.saved.tokenId} as DATABRICKS_TOKEN; it is revoked when the command exits`,
        );
      const code =
        signals.received() ?? (await runChild(command, { ...session.env, ...variables }, session));
      if (pat === undefined) return code;
      const failure = await revokeMinted(session, pat);
      // A PAT left valid fails a run that otherwise succeeded; a failed child keeps its own code.
      return failure === undefined || code !== 0 ? code : exitCodeOf(failure);
    });
  } finally {
    signals.release();
  }
}

/** The command after `--`: an empty name (`-- "$UNSET"`) is refused before anything is minted. */
export function childCommand(command: string[]): string[] {
  if (command[0] === undefined || command[0].trim() === '')
    throw invalidSetting(
      'command',
      'after -- is empty (an unset or empty variable?)',
      'Give the command to run after --, e.g. databricks-oidc exec -- databricks bundle deploy',
    );
  return command;
}

/**
 * Keeps SIGINT, SIGTERM and SIGHUP from ending the process (runChild forwards them to the child);
 * one that came before the child could start means: do not start it, exit 128 + its number.
 */
function holdSignals(active: boolean): { received: () => number | undefined; release: () => void } {
  let first: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals): void => void (first ??= signal);
  if (active) for (const signal of STOP_SIGNALS) process.on(signal, hold);
  return {
    received: () => (first === undefined ? undefined : 128 + (constants.signals[first] ?? 0)),
    release: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, hold);
    },
  };
}

/** Runs the child with our stdio; its exit code, or 128 + the signal that killed it. */
export function runChild(
  command: string[],
  env: Record<string, string | undefined>,
  session: Session,
): Promise<number> {
  const [file = '', ...rest] = command;
  return new Promise((resolve) => {
    // Listening before the spawn: on a busy machine the child may run, and be signalled, before
    // this process gets on again, and a signal with no listener yet ends it and orphans the child.
    // A listener runs from the event loop, so never before `child` below is set.
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    for (const signal of STOP_SIGNALS) process.on(signal, forward);
    const child = spawn(file, rest, { stdio: 'inherit', env });
    const stopForwarding = (): void => {
      for (const signal of STOP_SIGNALS) process.off(signal, forward);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      stopForwarding();
      session.log.info(`Cannot run ${JSON.stringify(file)}: ${error.code ?? error.message}`);
      resolve(error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      stopForwarding();
      resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
}
