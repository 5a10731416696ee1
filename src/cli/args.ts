import { parseArgs } from 'node:util';
import { SETTING_FLAGS, SOURCE_VARIABLES } from './setting-variables.ts';

export const COMMANDS = [
  'exchange',
  'exec',
  'token',
  'serve',
  'policy',
  'doctor',
  'obo mint',
  'obo prune',
  'pat revoke',
] as const;
export type Command = (typeof COMMANDS)[number];

/** Words that only group subcommands (`obo mint`); alone they show their help. */
export const GROUPS = { obo: ['mint', 'prune'], pat: ['revoke'] } as const;
export type Group = keyof typeof GROUPS;
export type HelpTopic = Command | Group;

const SOURCE_FLAGS = ['ci', ...Object.keys(SOURCE_VARIABLES)];
const LAKEBASE_FLAGS = Object.keys(SETTING_FLAGS).filter((flag) => flag.startsWith('lakebase-'));
/** The exchange alone: who, where, and the JWT. */
const BASE = [
  ...Object.keys(SETTING_FLAGS).filter((flag) => !LAKEBASE_FLAGS.includes(flag)),
  ...SOURCE_FLAGS,
];
const COMMON = [...BASE, ...LAKEBASE_FLAGS];
const PAT_STRINGS = ['pat-lifetime', 'pat-comment'];
const PAT_BOOLEANS = ['pat-allow-long-lifetime'];

interface CommandSpec {
  strings: string[];
  booleans: string[];
  child: boolean;
  /** Core setting name → the flag that sets it here (obo-keep is --keep under obo prune). */
  settings?: Record<string, string>;
}

/** String flags each command takes (besides --help); booleans are listed apart. */
const COMMAND_FLAGS: Record<Command, CommandSpec> = {
  exchange: {
    strings: [...COMMON, 'format', 'output', ...PAT_STRINGS],
    booleans: ['force', ...PAT_BOOLEANS],
    child: false,
  },
  exec: { strings: [...COMMON, ...PAT_STRINGS], booleans: PAT_BOOLEANS, child: true },
  // A Lakebase credential has no place in a printed token: refused with its own message below.
  token: { strings: BASE, booleans: ['json'], child: false },
  serve: { strings: [...COMMON, 'format', 'output'], booleans: ['force'], child: true },
  policy: { strings: COMMON, booleans: [], child: false },
  doctor: { strings: COMMON, booleans: ['json'], child: false },
  'obo mint': {
    strings: [...BASE, 'application-id', 'lifetime', 'comment', 'format', 'output'],
    booleans: ['force'],
    child: false,
    settings: {
      'obo-application-id': 'application-id',
      'obo-lifetime': 'lifetime',
      'obo-comment': 'comment',
    },
  },
  'obo prune': {
    strings: [...BASE, 'application-id', 'keep', 'comment'],
    booleans: ['adopt-unmanaged', 'dry-run', 'json'],
    child: false,
    settings: {
      'obo-prune': 'application-id',
      'obo-keep': 'keep',
      'obo-comment': 'comment',
      'obo-adopt-unmanaged': 'adopt-unmanaged',
      'obo-dry-run': 'dry-run',
    },
  },
  'pat revoke': { strings: [...BASE, 'token-id'], booleans: [], child: false },
};

/** The flag that sets a core setting in this command (the setting's own name unless renamed). */
export function settingFlag(command: Command, setting: string): string {
  return COMMAND_FLAGS[command].settings?.[setting] ?? setting;
}

export interface ParsedArgs {
  command: Command;
  /** The arguments as given, command words included. */
  argv: readonly string[];
  flags: Record<string, string | boolean | undefined>;
  /** What follows `--`: the child command of exec and serve. */
  child: string[];
}

export type ArgsResult =
  | { kind: 'run'; args: ParsedArgs }
  | { kind: 'help'; command: HelpTopic | undefined }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

export function parseCommandLine(argv: string[]): ArgsResult {
  const [first, ...after] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help')
    return { kind: 'help', command: undefined };
  if (first === '--version' || first === '-v') return { kind: 'version' };
  const named = commandOf(first, after);
  if (named.kind !== 'command') return named.result;
  const { command, rest } = named;
  const spec = { ...COMMAND_FLAGS[command] };
  // Every command takes --quiet: only warnings, notes and the error line on stderr.
  spec.booleans = [...spec.booleans, 'quiet'];
  const dashDash = rest.indexOf('--');
  const own = dashDash < 0 ? rest : rest.slice(0, dashDash);
  const child = dashDash < 0 ? [] : rest.slice(dashDash + 1);
  if (own.includes('--help') || own.includes('-h')) return { kind: 'help', command };
  const valid = [...spec.strings, ...spec.booleans].map((flag) => `--${flag}`);
  for (const arg of own) {
    if (!arg.startsWith('-')) continue;
    const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
    if (command === 'token' && LAKEBASE_FLAGS.includes(name))
      return {
        kind: 'usage-error',
        message: `token prints a Databricks token only and takes no --${name}; for a Lakebase credential use exchange, exec or serve (which keeps a PGPASSFILE current)`,
      };
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
    return { kind: 'run', args: { command, argv, flags: values as ParsedArgs['flags'], child } };
  } catch (error) {
    const text = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return {
      kind: 'usage-error',
      message: `${printable(text)} (${command} flags: ${valid.join(' ')})`,
    };
  }
}

type Named =
  { kind: 'command'; command: Command; rest: string[] } | { kind: 'other'; result: ArgsResult };

/** `exchange …` or `obo mint …`: the command and what follows it. */
function commandOf(first: string, after: string[]): Named {
  const words = [...COMMANDS.filter((c) => !c.includes(' ')), ...Object.keys(GROUPS)];
  if (Object.hasOwn(GROUPS, first)) {
    const group = first as Group;
    const [sub, ...rest] = after;
    const subs: readonly string[] = GROUPS[group];
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help')
      return { kind: 'other', result: { kind: 'help', command: group } };
    if (!subs.includes(sub))
      return {
        kind: 'other',
        result: {
          kind: 'usage-error',
          message: `unknown ${group} command "${printable(sub)}"; valid: ${subs.map((s) => `${group} ${s}`).join(', ')}`,
        },
      };
    return { kind: 'command', command: `${group} ${sub}` as Command, rest };
  }
  if (!words.includes(first))
    return {
      kind: 'other',
      result: {
        kind: 'usage-error',
        message: `unknown command "${printable(first)}"; valid commands: ${words.join(', ')} (or --help, --version)`,
      },
    };
  return { kind: 'command', command: first as Command, rest: after };
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}
