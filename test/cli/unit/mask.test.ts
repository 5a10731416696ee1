// What the CLI writes to mask a secret on each runner, before the secret itself: captured at
// stdio.ts (the one writer of stdout and stderr) and at system.ts (Buildkite's redactor is a
// command), so no process is started and the test's own output stays clean.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CI_CHOICES,
  type CiName,
  type CommandResult,
  type Environment,
} from '../../../src/core/index.ts';
import type { Format } from '../../../src/cli/handoff.ts';
import { announceMasks, HOLDS_TOKEN, maskingRunner } from '../../../src/cli/mask.ts';

const written = vi.hoisted(() => ({
  stdout: '',
  stderr: '',
  commands: [] as Array<{ command: string; args: string[]; stdin: string | undefined }>,
  answer: undefined as CommandResult | undefined,
}));
vi.mock('../../../src/cli/stdio.ts', () => ({
  writeStdout: (text: string) => void (written.stdout += text),
  writeStderr: (text: string) => void (written.stderr += text),
}));
vi.mock('../../../src/cli/system.ts', () => ({
  runCommand: (command: string, args: string[], stdin?: string) => {
    written.commands.push({ command, args, stdin });
    return Promise.resolve(written.answer);
  },
}));

beforeEach(() => {
  written.stdout = '';
  written.stderr = '';
  written.commands = [];
  written.answer = { exitCode: 0, stdout: '', stderr: '' };
});

const SECRET = 'dapi0123456789abcdef';
const OTHER = "pg'pass word";

interface Announced {
  stdout: string;
  stderr: string;
  notes: string[];
}

/** Announces SECRET and OTHER; `holds: null` for a caller that keeps them from any output. */
async function announce(
  ci: CiName | undefined,
  format: Format,
  options: { env?: Environment; stderrOnly?: boolean; holds?: null } = {},
): Promise<Announced> {
  const notes: string[] = [];
  const { holds, ...rest } = options;
  await announceMasks({
    ci,
    format,
    secrets: [SECRET, OTHER],
    note: (line) => notes.push(line),
    ...(holds === null ? {} : { holds: HOLDS_TOKEN }),
    stdoutIsData: format === 'json' || format === 'dotenv',
    ...rest,
  });
  return { stdout: written.stdout, stderr: written.stderr, notes };
}

describe('maskingRunner', () => {
  it("is GitHub's runner wherever GITHUB_ACTIONS is true, even with a TF_BUILD or another CI", () => {
    expect(maskingRunner({ GITHUB_ACTIONS: 'true' }, 'gitlab')).toBe('github');
    expect(maskingRunner({ GITHUB_ACTIONS: 'true', TF_BUILD: 'True' }, 'azure-devops')).toBe(
      'github',
    );
  });

  it("is Azure's agent wherever TF_BUILD is set", () => {
    expect(maskingRunner({ TF_BUILD: 'True' }, 'circleci')).toBe('azure-devops');
    expect(maskingRunner({ TF_BUILD: 'True' }, undefined)).toBe('azure-devops');
  });

  it('is otherwise the CI the token came from, or none', () => {
    expect(maskingRunner({ GITHUB_ACTIONS: 'false' }, 'buildkite')).toBe('buildkite');
    expect(maskingRunner({ TF_BUILD: '' }, 'gitlab')).toBe('gitlab');
    expect(maskingRunner(undefined, 'jenkins')).toBe('jenkins');
    expect(maskingRunner({}, undefined)).toBeUndefined();
  });
});

describe('announceMasks on GitHub', () => {
  it('writes ::add-mask:: lines first on stdout, one per secret', async () => {
    const { stdout, stderr, notes } = await announce('github', 'github');
    expect(stdout).toBe(`::add-mask::${SECRET}\n::add-mask::${OTHER}\n`);
    expect(stderr).toBe('');
    expect(notes).toEqual([]);
  });

  it('in the shell format, hides each line from eval in a heredoc and prints it again', async () => {
    const { stdout } = await announce('github', 'shell');
    expect(stdout).toBe(
      [
        ": <<'DATABRICKS_OIDC_MASK'",
        `::add-mask::${SECRET}`,
        'DATABRICKS_OIDC_MASK',
        `printf '::%s\\n' 'add-mask::${SECRET}'`,
        ": <<'DATABRICKS_OIDC_MASK'",
        `::add-mask::${OTHER}`,
        'DATABRICKS_OIDC_MASK',
        `printf '::%s\\n' 'add-mask::pg'\\''pass word'`,
        '',
      ].join('\n'),
    );
  });

  it.each<Format>(['json', 'dotenv'])(
    'keeps the %s data on stdout clean: the masks go to stderr',
    async (format) => {
      const { stdout, stderr } = await announce('github', format);
      expect(stdout).toBe('');
      expect(stderr).toBe(`::add-mask::${SECRET}\n::add-mask::${OTHER}\n`);
    },
  );

  it('writes to stderr alone where stdout is not its own, in any format', async () => {
    const { stdout, stderr } = await announce('github', 'shell', { stderrOnly: true });
    expect(stdout).toBe('');
    expect(stderr).toBe(`::add-mask::${SECRET}\n::add-mask::${OTHER}\n`);
  });

  it('masks by the runner that reads the output, not the CI the token came from', async () => {
    const env = { GITHUB_ACTIONS: 'true' };
    const { stderr, notes } = await announce('gitlab', 'json', { env });
    expect(stderr).toBe(`::add-mask::${SECRET}\n::add-mask::${OTHER}\n`);
    expect(notes).toEqual([]);
  });

  it('--format github masks GitHub-style whatever the CI', async () => {
    const { stdout } = await announce('circleci', 'github');
    expect(stdout).toBe(`::add-mask::${SECRET}\n::add-mask::${OTHER}\n`);
  });

  it('writes nothing for an empty value (an add-mask of nothing masks nothing)', async () => {
    await announceMasks({
      ci: 'github',
      format: 'github',
      secrets: ['', SECRET],
      note: () => undefined,
      stdoutIsData: false,
    });
    expect(written.stdout).toBe(`::add-mask::${SECRET}\n`);
  });
});

describe('announceMasks on Azure Pipelines', () => {
  it('writes ##vso[task.setsecret] lines first on stdout', async () => {
    const { stdout, stderr, notes } = await announce('azure-devops', 'azure');
    expect(stdout).toBe(`##vso[task.setsecret]${SECRET}\n##vso[task.setsecret]${OTHER}\n`);
    expect(stderr).toBe('');
    expect(notes).toEqual([]);
  });

  it('in the shell format, a printf repeats each under eval, with no ##vso[ in its line', async () => {
    const { stdout } = await announce('azure-devops', 'shell');
    const lines = stdout.split('\n');
    expect(lines).toEqual([
      `##vso[task.setsecret]${SECRET}`,
      `printf '##%s\\n' 'vso[task.setsecret]${SECRET}'`,
      `##vso[task.setsecret]${OTHER}`,
      `printf '##%s\\n' 'vso[task.setsecret]pg'\\''pass word'`,
      '',
    ]);
    for (const line of lines.filter((l) => l.startsWith('printf')))
      expect(line).not.toContain('##vso[');
  });

  it.each<Format>(['json', 'dotenv'])(
    'with %s data on stdout, says the masks lead it and how to get the data alone',
    async (format) => {
      const { stdout, notes } = await announce('azure-devops', format);
      expect(stdout).toBe(`##vso[task.setsecret]${SECRET}\n##vso[task.setsecret]${OTHER}\n`);
      expect(notes).toEqual([
        "stdout starts with Azure's task.setsecret lines: use --output FILE for a file with the hand-off alone",
      ]);
    },
  );

  it('writes to stderr alone where stdout is not its own, without that note', async () => {
    const { stdout, stderr, notes } = await announce('azure-devops', 'json', { stderrOnly: true });
    expect(stdout).toBe('');
    expect(stderr).toBe(`##vso[task.setsecret]${SECRET}\n##vso[task.setsecret]${OTHER}\n`);
    expect(notes).toEqual([]);
  });

  it("masks for Azure's agent where TF_BUILD is set, whatever CI gave the token", async () => {
    const { stdout } = await announce(undefined, 'azure', { env: { TF_BUILD: 'True' } });
    expect(stdout).toBe(`##vso[task.setsecret]${SECRET}\n##vso[task.setsecret]${OTHER}\n`);
  });
});

describe('announceMasks on Buildkite', () => {
  it("feeds each secret to the agent's redactor on stdin, writing nothing", async () => {
    const { stdout, stderr, notes } = await announce('buildkite', 'shell');
    expect(written.commands).toEqual([
      { command: 'buildkite-agent', args: ['redactor', 'add'], stdin: SECRET },
      { command: 'buildkite-agent', args: ['redactor', 'add'], stdin: OTHER },
    ]);
    expect([stdout, stderr, notes]).toEqual(['', '', []]);
  });

  it.each([
    ['is missing', undefined],
    ['fails', { exitCode: 1, stdout: '', stderr: 'unknown command redactor' }],
  ])('says once that the token is not redacted when the agent %s', async (_, answer) => {
    written.answer = answer;
    const { stdout, stderr, notes } = await announce('buildkite', 'shell');
    expect(written.commands).toHaveLength(1);
    expect(notes).toEqual([
      'buildkite-agent redactor add is not available (agent older than v3.67?): the token is not redacted from the log; prefer exec or serve',
    ]);
    expect([stdout, stderr]).toEqual(['', '']);
  });
});

describe('announceMasks where nothing masks', () => {
  it.each([
    ['gitlab', 'GitLab'],
    ['circleci', 'CircleCI'],
    ['bitbucket', 'Bitbucket Pipelines'],
    ['jenkins', 'Jenkins'],
    ['terraform-cloud', 'HCP Terraform'],
    ['kubernetes', 'Kubernetes'],
  ] as const)('on %s, says what the output holds and writes no mask', async (ci, label) => {
    const { stdout, stderr, notes } = await announce(ci, 'shell');
    expect(notes).toEqual([`${label} cannot mask values at run time: ${HOLDS_TOKEN}`]);
    expect([stdout, stderr, written.commands]).toEqual(['', '', []]);
  });

  it('without a CI (a given token), says so of this environment', async () => {
    const { notes } = await announce(undefined, 'dotenv');
    expect(notes).toEqual([`This environment cannot mask values at run time: ${HOLDS_TOKEN}`]);
  });

  it('says nothing where the caller keeps the token from any output (token, exec)', async () => {
    const { stdout, stderr, notes } = await announce('gitlab', 'shell', { holds: null });
    expect([stdout, stderr, notes]).toEqual(['', '', []]);
  });
});

describe('announceMasks, every CI and format', () => {
  const CIS = CI_CHOICES.filter(
    (choice): choice is CiName => !['auto', 'env', 'file'].includes(choice),
  );
  const FORMATS: Format[] = ['shell', 'dotenv', 'json', 'github', 'azure'];
  const EVERY = [undefined, ...CIS].flatMap((ci) => FORMATS.map((format) => [ci, format] as const));

  it.each(EVERY)('%s, %s: nothing on a stdout that is not its own', async (ci, format) => {
    const { stdout } = await announce(ci, format, { stderrOnly: true });
    expect(stdout).toBe('');
  });

  it.each(EVERY)('%s, %s: each secret masked, or a note that it is not', async (ci, format) => {
    const { stdout, stderr, notes } = await announce(ci, format);
    const masks = `${stdout}${stderr}`;
    const fed = written.commands.map((command) => command.stdin);
    for (const secret of [SECRET, OTHER])
      expect(masks.includes(secret) || fed.includes(secret) || notes.length === 1).toBe(true);
  });
});
