import { parseArgs } from 'node:util';

export const COMMANDS = ['exchange', 'exec', 'token', 'serve', 'policy', 'doctor'] as const;
export type Command = (typeof COMMANDS)[number];

/** Flags that name a core setting, with the SDK variable each one beats. */
export const SETTING_FLAGS: Record<string, string | undefined> = {
  host: 'DATABRICKS_HOST',
  'account-id': 'DATABRICKS_ACCOUNT_ID',
  'client-id': 'DATABRICKS_CLIENT_ID',
  audience: 'DATABRICKS_TOKEN_AUDIENCE',
  scope: undefined,
  'lakebase-instance': undefined,
  'lakebase-endpoint': undefined,
  'lakebase-database': undefined,
  'lakebase-ttl': undefined,
};

const SOURCE_FLAGS = ['ci', 'oidc-token-env', 'oidc-token-file'];
const COMMON = [...Object.keys(SETTING_FLAGS), ...SOURCE_FLAGS];

/** String flags each command takes (besides --help); booleans are listed apart. */
const COMMAND_FLAGS: Record<Command, { strings: string[]; booleans: string[]; child: boolean }> = {
  exchange: { strings: [...COMMON, 'format', 'output'], booleans: ['force'], child: false },
  exec: { strings: COMMON, booleans: [], child: true },
  token: { strings: COMMON, booleans: ['json'], child: false },
  serve: { strings: [...COMMON, 'format'], booleans: [], child: true },
  policy: { strings: COMMON, booleans: [], child: false },
  doctor: { strings: COMMON, booleans: ['json'], child: false },
};

export interface ParsedArgs {
  command: Command;
  flags: Record<string, string | boolean | undefined>;
  /** What follows `--`: the child command of exec and serve. */
  child: string[];
}

export type ArgsResult =
  | { kind: 'run'; args: ParsedArgs }
  | { kind: 'help'; command: Command | undefined }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

export function parseCommandLine(argv: string[]): ArgsResult {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help')
    return { kind: 'help', command: undefined };
  if (first === '--version' || first === '-v') return { kind: 'version' };
  if (!(COMMANDS as readonly string[]).includes(first))
    return {
      kind: 'usage-error',
      message: `unknown command "${printable(first)}"; valid commands: ${COMMANDS.join(', ')} (or --help, --version)`,
    };
  const command = first as Command;
  const spec = COMMAND_FLAGS[command];
  const dashDash = rest.indexOf('--');
  const own = dashDash < 0 ? rest : rest.slice(0, dashDash);
  const child = dashDash < 0 ? [] : rest.slice(dashDash + 1);
  if (own.includes('--help') || own.includes('-h')) return { kind: 'help', command };
  const valid = [...spec.strings, ...spec.booleans].map((flag) => `--${flag}`);
  for (const arg of own) {
    if (!arg.startsWith('-')) continue;
    const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
    if (!spec.strings.includes(name) && !spec.booleans.includes(name))
      return {
        kind: 'usage-error',
        message: `unknown flag ${printable(arg.split('=')[0] ?? arg)} for ${command}; valid: ${valid.join(' ')}`,
      };
  }
  try {
    const options = Object.fromEntries([
      ...spec.strings.map((flag) => [flag, { type: 'string' as const }]),
      ...spec.booleans.map((flag) => [flag, { type: 'boolean' as const }]),
    ]);
    const { values, positionals } = parseArgs({
      args: own,
      options,
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0)
      return {
        kind: 'usage-error',
        message: `unexpected argument "${printable(positionals[0] ?? '')}" for ${command}${spec.child ? '; put the command after --' : ''}`,
      };
    if (command === 'exec' && child.length === 0)
      return {
        kind: 'usage-error',
        message:
          'exec needs a command after --, e.g. databricks-oidc exec -- databricks current-user me',
      };
    if (!spec.child && child.length > 0)
      return { kind: 'usage-error', message: `${command} takes no command after --` };
    return { kind: 'run', args: { command, flags: values as ParsedArgs['flags'], child } };
  } catch (error) {
    const text = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return {
      kind: 'usage-error',
      message: `${printable(text)} (${command} flags: ${valid.join(' ')})`,
    };
  }
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}
