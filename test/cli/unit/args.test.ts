// The command line as parsed, without a process: each command and its flags, `--`, and every usage
// error (exit 2 in the CLI) with the line it prints.
import { describe, expect, it } from 'vitest';
import { COMMANDS, parseCommandLine, settingFlag, type ArgsResult } from '../../../src/cli/args.ts';

function run(argv: string[]): { command: string; flags: Record<string, unknown>; child: string[] } {
  const result = parseCommandLine(argv);
  if (result.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(result)}`);
  return result.args;
}

function usageError(argv: string[]): string {
  const result: ArgsResult = parseCommandLine(argv);
  if (result.kind !== 'usage-error')
    throw new Error(`expected a usage error, got ${JSON.stringify(result)}`);
  return result.message;
}

/** A command's words, the flags, and what it needs to run at all (exec, a child command). */
function invocation(command: (typeof COMMANDS)[number], ...flags: string[]): string[] {
  return [...command.split(' '), ...flags, ...(command === 'exec' ? ['--', 'true'] : [])];
}

describe('help and version', () => {
  it.each([[[]], [['help']], [['--help']], [['-h']]])('%j is the general help', (argv) => {
    expect(parseCommandLine(argv)).toEqual({ kind: 'help', command: undefined });
  });

  it.each([['--version'], ['-v']])('%s is the version', (flag) => {
    expect(parseCommandLine([flag])).toEqual({ kind: 'version' });
  });

  it.each(COMMANDS.map((command) => [command]))("%s --help is that command's help", (command) => {
    const argv = [...command.split(' '), '--help'];
    expect(parseCommandLine(argv)).toEqual({ kind: 'help', command });
    expect(parseCommandLine([...command.split(' '), '-h'])).toEqual({ kind: 'help', command });
  });

  it.each([[['obo']], [['obo', 'help']], [['pat', '--help']]])('%j is the group help', (argv) => {
    expect(parseCommandLine(argv)).toEqual({ kind: 'help', command: argv[0] });
  });

  it('a --help after -- belongs to the child command', () => {
    expect(run(['exec', '--', 'databricks', '--help']).child).toEqual(['databricks', '--help']);
  });
});

describe('every command', () => {
  it.each(COMMANDS.map((command) => [command]))('%s runs with --quiet alone', (command) => {
    const args = run(invocation(command, '--quiet'));
    expect(args.command).toBe(command);
    expect(args.flags).toEqual({ quiet: true });
  });

  it.each(COMMANDS.map((command) => [command]))('%s takes --host with a value', (command) => {
    expect(run(invocation(command, '--host', 'h.example')).flags).toEqual({ host: 'h.example' });
    expect(run(invocation(command, '--host=h.example')).flags).toEqual({ host: 'h.example' });
  });

  it('keeps the arguments as given, command words included', () => {
    const result = parseCommandLine(['obo', 'mint', '--lifetime', '3600']);
    expect(result).toMatchObject({
      kind: 'run',
      args: { argv: ['obo', 'mint', '--lifetime', '3600'] },
    });
  });
});

describe('flags with values', () => {
  it('exchange takes its setting, source, Lakebase, hand-off and PAT flags', () => {
    const args = run([
      'exchange',
      '--host=https://h.example',
      '--client-id',
      'c',
      '--ci',
      'gitlab',
      '--oidc-token-env',
      'MY_JWT',
      '--lakebase-endpoint',
      'projects/p/branches/b/endpoints/e',
      '--lakebase-ttl',
      '600',
      '--format',
      'json',
      '--output',
      '/tmp/out',
      '--pat-lifetime',
      '1h',
      '--force',
    ]);
    expect(args.flags).toEqual({
      host: 'https://h.example',
      'client-id': 'c',
      ci: 'gitlab',
      'oidc-token-env': 'MY_JWT',
      'lakebase-endpoint': 'projects/p/branches/b/endpoints/e',
      'lakebase-ttl': '600',
      format: 'json',
      output: '/tmp/out',
      'pat-lifetime': '1h',
      force: true,
    });
  });

  it('a value may start with = or hold spaces', () => {
    expect(run(['exchange', '--pat-comment=a=b c']).flags['pat-comment']).toBe('a=b c');
    expect(run(['exchange', '--scope', 'sql offline_access']).flags['scope']).toBe(
      'sql offline_access',
    );
  });

  it('obo prune takes its renamed flags and booleans', () => {
    const args = run([
      'obo',
      'prune',
      '--application-id',
      'a',
      '--keep',
      '2',
      '--dry-run',
      '--json',
    ]);
    expect(args.flags).toEqual({ 'application-id': 'a', keep: '2', 'dry-run': true, json: true });
  });

  it('a repeated flag takes its last value', () => {
    expect(run(['exchange', '--host', 'a', '--host', 'b']).flags['host']).toBe('b');
    expect(run(['token', '--json', '--json']).flags).toEqual({ json: true });
  });

  it.each([
    ['--host', 'argument missing'],
    ['--format', 'argument missing'],
  ])('%s without a value is a usage error that lists the flags', (flag, says) => {
    const message = usageError(['exchange', flag]);
    expect(message).toContain(says);
    expect(message).toContain('(exchange flags: --host ');
  });

  it('a flag followed by another flag is refused, not given the flag as its value', () => {
    expect(usageError(['exchange', '--host', '--force'])).toContain("'--host'");
  });

  it('a boolean flag takes no value', () => {
    expect(usageError(['exchange', '--force=yes'])).toContain('does not take an argument');
  });
});

describe('settingFlag', () => {
  it('names a renamed setting by its flag in that command, any other by its own name', () => {
    expect(settingFlag('obo mint', 'obo-lifetime')).toBe('lifetime');
    expect(settingFlag('obo prune', 'obo-keep')).toBe('keep');
    expect(settingFlag('obo prune', 'obo-prune')).toBe('application-id');
    expect(settingFlag('exchange', 'host')).toBe('host');
    expect(settingFlag('exchange', 'obo-lifetime')).toBe('obo-lifetime');
  });
});

describe('--', () => {
  it('exec passes everything after it to the child, flags included', () => {
    const args = run(['exec', '--host', 'h', '--', 'psql', '--host', 'db', '--', 'x']);
    expect(args.flags).toEqual({ host: 'h' });
    expect(args.child).toEqual(['psql', '--host', 'db', '--', 'x']);
  });

  it('serve takes a child command or none', () => {
    expect(run(['serve', '--', 'make', 'test']).child).toEqual(['make', 'test']);
    expect(run(['serve']).child).toEqual([]);
  });

  it('exec needs a command after --', () => {
    expect(usageError(['exec'])).toBe(
      'exec needs a command after --, e.g. databricks-oidc exec -- databricks current-user me',
    );
    expect(usageError(['exec', '--'])).toContain('exec needs a command after --');
  });

  it.each(['exchange', 'token', 'policy', 'doctor'])('%s takes no command after --', (command) => {
    expect(usageError([command, '--', 'ls'])).toBe(`${command} takes no command after --`);
  });

  it('an unknown flag after -- is the child’s', () => {
    expect(run(['exec', '--', 'ls', '--bogus']).child).toEqual(['ls', '--bogus']);
  });
});

describe('usage errors', () => {
  it('an unknown command lists the commands', () => {
    expect(usageError(['frob'])).toBe(
      'unknown command "frob"; valid commands: exchange, exec, token, serve, policy, doctor, obo, pat (or --help, --version)',
    );
  });

  it('an unknown subcommand lists its group', () => {
    expect(usageError(['obo', 'frob'])).toBe(
      'unknown obo command "frob"; valid: obo mint, obo prune',
    );
    expect(usageError(['pat', 'mint'])).toBe('unknown pat command "mint"; valid: pat revoke');
  });

  it('an unknown flag is named without its value, with the valid ones', () => {
    const message = usageError(['exchange', '--tokne=dapi-secret-value']);
    expect(message).toMatch(/^unknown flag --tokne for exchange; valid: --host /);
    expect(message).not.toContain('dapi-secret-value');
  });

  it('an unknown short flag is refused', () => {
    expect(usageError(['exchange', '-x'])).toMatch(/^unknown flag -x for exchange/);
  });

  it.each([
    ['policy', '--json'],
    ['obo mint', '--pat-lifetime'],
    ['pat revoke', '--lakebase-instance'],
    ['exec', '--format'],
    ['token', '--force'],
  ])('%s refuses %s, which another command takes', (command, flag) => {
    expect(usageError([...command.split(' '), flag, 'x'])).toMatch(
      new RegExp(`^unknown flag ${flag} for ${command}; valid:`),
    );
  });

  it.each(['lakebase-instance', 'lakebase-endpoint', 'lakebase-database', 'lakebase-ttl'])(
    'token refuses --%s with where a Lakebase credential comes from',
    (flag) => {
      expect(usageError(['token', `--${flag}`, 'x'])).toBe(
        `token prints a Databricks token only and takes no --${flag}; for a Lakebase credential use exchange, exec or serve (which keeps a PGPASSFILE current)`,
      );
    },
  );

  it('a positional argument is refused; exec and serve say where a command goes', () => {
    expect(usageError(['exchange', 'stray'])).toBe('unexpected argument "stray" for exchange');
    expect(usageError(['exec', 'ls'])).toBe(
      'unexpected argument "ls" for exec; put the command after --',
    );
    expect(usageError(['serve', 'ls'])).toContain('put the command after --');
  });

  it('control characters in what is echoed become ?, and it is cut short', () => {
    expect(usageError(['fr\u001b[2Job'])).toContain('"fr?[2Job"');
    const long = usageError(['exchange', 'x'.repeat(500)]);
    expect(long).toContain(`"${'x'.repeat(120)}"`);
    expect(long).not.toContain('x'.repeat(121));
  });
});
