// `eval "$(databricks-oidc exchange)"` runs whatever exchange prints. When the exchange fails,
// stdout used to be empty and eval of nothing succeeds: under `bash -e` (GitLab's shell) the
// script carried on without a token. So a failed run whose hand-off would have gone to stdout as
// shell lines prints one line of shell instead: `(exit N)`, which makes eval (and `. file`) fail
// with the CLI's own exit code, in any POSIX shell, without closing an interactive one.
import { detectCi, type Environment } from '../core/index.ts';

/** The commands whose hand-off is shell lines on stdout (`--format shell`, or auto off GitHub and Azure). */
const SHELL_HANDOFF_COMMANDS = [['exchange'], ['obo', 'mint']];

export function shellFailureLine(
  argv: readonly string[],
  env: Environment,
  exitCode: number,
): string {
  const command = SHELL_HANDOFF_COMMANDS.find((words) => words.every((w, i) => argv[i] === w));
  if (command === undefined || exitCode === 0) return '';
  const flags = argv.slice(command.length, argv.includes('--') ? argv.indexOf('--') : undefined);
  if (flags.some((arg) => arg === '--output' || arg.startsWith('--output='))) return '';
  return handsOffShell(flagValue(flags, 'format'), env) ? `(exit ${exitCode})\n` : '';
}

function flagValue(flags: readonly string[], name: string): string | undefined {
  const at = flags.lastIndexOf(`--${name}`);
  const inline = flags.findLast((arg) => arg.startsWith(`--${name}=`));
  if (inline !== undefined && flags.lastIndexOf(inline) > at) return inline.split('=')[1];
  return at < 0 ? undefined : flags[at + 1];
}

function handsOffShell(format: string | undefined, env: Environment): boolean {
  if (format === 'shell') return true;
  if (format !== undefined && format !== 'auto') return false;
  const ci = detectCi(env);
  return ci !== 'github' && ci !== 'azure-devops';
}
