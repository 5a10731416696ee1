// The hand-off text of each format, as a shell, a dotenv reader, a JSON parser, Azure's agent and
// GitHub's runner read it: quoting, escaping, and the values no format can carry.
import { describe, expect, it } from 'vitest';
import {
  checkOutputPath,
  FORMATS,
  render,
  resolveFormat,
  type Format,
} from '../../../src/cli/handoff.ts';
import { CI_CHOICES, StageError, type CiName } from '../../../src/core/index.ts';
import { failurePrefix } from '../../support/stages.ts';

const TOKEN = 'dapi0123456789abcdef';
const SECRET = new Set(['DATABRICKS_TOKEN', 'PGPASSWORD']);
const RENDERED: Format[] = ['shell', 'dotenv', 'json', 'azure', 'github'];
/** The CIs whose runner reads no hand-off format of its own. */
const OTHER_CIS = CI_CHOICES.filter(
  (choice): choice is CiName => !['auto', 'env', 'file', 'azure-devops', 'github'].includes(choice),
);

describe('resolveFormat', () => {
  it("auto is the format of the runner that reads the output: Azure's, GitHub's, else shell", () => {
    expect(resolveFormat(undefined, 'azure-devops')).toBe('azure');
    expect(resolveFormat('auto', 'github')).toBe('github');
    expect(OTHER_CIS).toContain('gitlab');
    for (const ci of OTHER_CIS) expect(resolveFormat('auto', ci)).toBe('shell');
    expect(resolveFormat(undefined, undefined)).toBe('shell');
  });

  it.each(RENDERED)('%s is taken as given, whatever the CI', (format) => {
    expect(resolveFormat(format, 'azure-devops')).toBe(format);
    expect(resolveFormat(format, undefined)).toBe(format);
  });

  it('refuses another format with the list, quoting only the start of the value', () => {
    const refuse = (): Format => resolveFormat('dapi-looks-like-a-token', 'github');
    expect(refuse).toThrow(StageError);
    expect(refuse).toThrow(
      `${failurePrefix('inputs')}format "dapi-l… (23 characters)" is not a format. Use one of ${FORMATS.join(', ')}`,
    );
  });
});

describe('render, shell', () => {
  it('exports each variable single-quoted', () => {
    const text = render(
      'shell',
      { DATABRICKS_HOST: 'https://h.example', DATABRICKS_TOKEN: TOKEN },
      SECRET,
    );
    expect(text).toBe(
      `export DATABRICKS_HOST='https://h.example'\nexport DATABRICKS_TOKEN='${TOKEN}'\n`,
    );
  });

  it('closes, escapes and reopens the quote around a quote; nothing else is special inside', () => {
    const text = render('shell', { PGUSER: `it's "$(x)" \`y\` $HOME \\` }, SECRET);
    expect(text).toBe(`export PGUSER='it'\\''s "$(x)" \`y\` $HOME \\'\n`);
  });
});

describe('render, dotenv', () => {
  it('leaves a plain value bare and single-quotes any other', () => {
    const text = render(
      'dotenv',
      {
        DATABRICKS_HOST: 'https://h.example:443/a@b+c=d-e_f.g',
        PGUSER: 'user name',
        PGDATABASE: `o'brien`,
        PGHOST: '#comment',
      },
      SECRET,
    );
    expect(text).toBe(
      [
        'DATABRICKS_HOST=https://h.example:443/a@b+c=d-e_f.g',
        "PGUSER='user name'",
        `PGDATABASE='o'\\''brien'`,
        "PGHOST='#comment'",
        '',
      ].join('\n'),
    );
  });

  it('writes an empty value as NAME=', () => {
    expect(render('dotenv', { DATABRICKS_ACCOUNT_ID: '' }, SECRET)).toBe(
      'DATABRICKS_ACCOUNT_ID=\n',
    );
  });
});

describe('render, json', () => {
  it('is one JSON object that parses to the variables', () => {
    const variables = { DATABRICKS_HOST: 'https://h.example', DATABRICKS_TOKEN: TOKEN, Q: `"\\` };
    const text = render('json', variables, SECRET);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(variables);
  });

  it('escapes every # so that no ##[ or ##vso[ can form in a log, and the value parses back', () => {
    // Values holding a whole ##vso[ or ##[ are refused before any format (see below).
    const variables = {
      A: '#vso[task.setvariable variable=X]y',
      B: 'a#[error]z#',
      C: '::add-mask::w',
    };
    const text = render('json', variables, SECRET);
    expect(text).not.toContain('#');
    expect(text).toContain('\\u0023vso[');
    expect(JSON.parse(text)).toEqual(variables);
    // A :: stays inside a string: no line starts a workflow command.
    for (const line of text.split('\n')) expect(line).not.toMatch(/^\s*::/);
  });
});

describe('render, azure', () => {
  it('sets each variable with a logging command, secret ones as secrets', () => {
    const text = render(
      'azure',
      { DATABRICKS_HOST: 'https://h.example', DATABRICKS_TOKEN: TOKEN },
      SECRET,
    );
    expect(text).toBe(
      [
        '##vso[task.setvariable variable=DATABRICKS_HOST]https://h.example',
        `##vso[task.setvariable variable=DATABRICKS_TOKEN;issecret=true]${TOKEN}`,
        '',
      ].join('\n'),
    );
  });
});

describe('render, github', () => {
  /** The NAME<<DELIMITER … DELIMITER blocks of a $GITHUB_ENV file, as the runner reads them. */
  function parseGitHubEnv(text: string): { values: Record<string, string>; delimiters: string[] } {
    const lines = text.split('\n');
    const values: Record<string, string> = {};
    const delimiters: string[] = [];
    for (let i = 0; i < lines.length - 1; i += 3) {
      const [name, delimiter] = (lines[i] ?? '').split('<<');
      expect(lines[i + 2]).toBe(delimiter);
      values[name ?? ''] = lines[i + 1] ?? '';
      delimiters.push(delimiter ?? '');
    }
    expect(lines.at(-1)).toBe('');
    return { values, delimiters };
  }

  it('writes each value between delimiters of its own that no value holds', () => {
    const variables = {
      DATABRICKS_TOKEN: TOKEN,
      PGUSER: 'ghadelimiter_x',
      PGPASSWORD: "pass 'word' <<EOF",
    };
    const { values, delimiters } = parseGitHubEnv(render('github', variables, SECRET));
    expect(values).toEqual(variables);
    expect(new Set(delimiters).size).toBe(3);
    for (const delimiter of delimiters) {
      expect(delimiter).toMatch(/^ghadelimiter_[0-9a-f-]{36}$/);
      for (const value of Object.values(variables)) expect(value).not.toContain(delimiter);
    }
  });

  it('takes a fresh delimiter each time', () => {
    const once = render('github', { DATABRICKS_TOKEN: TOKEN }, SECRET);
    expect(render('github', { DATABRICKS_TOKEN: TOKEN }, SECRET)).not.toBe(once);
  });
});

describe('render refuses a value that would end its line', () => {
  it.each(
    RENDERED.flatMap((format) =>
      [
        'line\nbreak',
        'carriage\rreturn',
        'nul\u0000',
        'escape\u001b[2J',
        'delete\u007f',
        'tab\t',
      ].map((value) => [format, value] as const),
    ),
  )('%s refuses %j, naming the variable but not its value', (format, value) => {
    const variables = { DATABRICKS_HOST: 'https://h.example', PGHOST: value };
    let thrown: unknown;
    try {
      render(format, variables, SECRET);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StageError);
    const { message, stage } = thrown as StageError;
    expect(stage).toBe('outputs');
    expect(message).toBe(
      `${failurePrefix('outputs')}the value of PGHOST holds a line break or another control character. No value Databricks gives does: check that host is the Databricks URL itself, not a look-alike`,
    );
  });
});

describe("render refuses a value holding a runner's logging command", () => {
  it.each(
    RENDERED.flatMap((format) =>
      [
        'sp##vso[task.setvariable variable=EVIL]1',
        'x##VSO[task.prependpath]/tmp',
        'a##[group]b',
      ].map((value) => [format, value] as const),
    ),
  )('%s refuses %j', (format, value) => {
    expect(() => render(format, { PGUSER: value }, SECRET)).toThrow(
      "the value of PGUSER holds a runner's logging command (##vso[ or ##[)",
    );
  });

  it('passes a single # and a :: inside a value (neither is a command there)', () => {
    expect(render('shell', { PGUSER: 'a#b::c' }, SECRET)).toBe("export PGUSER='a#b::c'\n");
  });
});

describe('checkOutputPath', () => {
  // Only checked, never written: --force replaces by rename, which would turn a device into a file.
  it.each(['/dev/null', '/dev/zero'])('refuses the device %s even with --force', async (path) => {
    await expect(checkOutputPath(path, true)).rejects.toThrow(
      /^Reading inputs failed: output ".*" is a device, not a file\./,
    );
  });
});
