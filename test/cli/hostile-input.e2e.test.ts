// Hostile input against dist/cli.js, run as a CI job runs it: a look-alike or compromised workspace
// that answers with ids, comments and texts built to inject GitHub's `::`/`##[` or Azure's `##vso[`
// commands or extra variables into a hand-off, a log or a report; claims that do the same; and the
// job's own settings where they could print a token in clear. Every run is leak-scanned
// (fixture.run: whole secrets and any piece of one longer than 8 characters).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  linkSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID, useCliEmulator } from './fixture.ts';
import { CLI_ENTRY, cliLeaks, jobPath, type CliRun } from './runner.ts';

const fx = useCliEmulator();

/** What a hostile workspace puts into an id, a comment or an error text. */
const AZURE_INJECTION = 'x##vso[task.setvariable variable=EVIL]1';
const LINE_INJECTION = 'x\n##vso[task.prependpath]/tmp/evil\n::error::pwned\nEVIL=1';

/** Every line of both streams that a runner would read as a command we did not mean. */
function injected(run: CliRun): string[] {
  return `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter(
      (line) =>
        /##vso\[(?!task\.setsecret\]|task\.setvariable variable=(DATABRICKS|PG)[A-Z_]*[;\]])/i.test(
          line,
        ) ||
        /^::(?!add-mask::)/.test(line) ||
        /##\[/.test(line) ||
        /^EVIL=/.test(line),
    );
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

function azureJob(): Record<string, string> {
  const azure = fx.emulator.ci.azureDevops;
  fx.trust(azure, ['api://AzureADTokenExchange']);
  return azure.pipelineEnv();
}

/** The job's service principal is a workspace admin, and the partner exists. */
function partnerSetUp(): { applicationId: string } {
  fx.emulator.pats.addAdmin(CLIENT_ID);
  return fx.emulator.servicePrincipals.add({ displayName: 'FIVETRAN_USER' });
}

/** The next answer of a token creation route, with these token_info fields put in. */
function rewriteTokenInfo(
  route: 'tokens.create' | 'token-management.create-obo',
  fields: Record<string, unknown>,
): void {
  fx.emulator.faults.add(route, {
    kind: 'rewrite',
    edit: (body) => ({ ...body, token_info: { ...(body['token_info'] as object), ...fields } }),
  });
}

/** `obo mint --format json` for the partner; the token is the hand-off. */
function mintJson(partner: string, env: Record<string, string>): Promise<CliRun> {
  return fx.run(['obo', 'mint', '--application-id', partner, '--format', 'json'], env, (r) => [
    (JSON.parse(r.stdout || '{}') as Record<string, string>)['DATABRICKS_OBO_TOKEN'] ?? '',
  ]);
}

/** The one `databricks-oidc:` error line, which names the stage. */
function errorLines(run: CliRun): string[] {
  return run.stderr.split('\n').filter((line) => line.startsWith('databricks-oidc:'));
}

describe('server ids are checked by their kind when they arrive', () => {
  it('a PAT token_id that carries Azure logging commands is refused, nothing handed off', async () => {
    const env = azureJob();
    rewriteTokenInfo('tokens.create', { token_id: AZURE_INJECTION });
    const run = await fx.run(['exchange', '--pat-lifetime', '600'], env);
    expect(run.exitCode).toBe(5);
    expect(injected(run)).toEqual([]);
    expect(run.stdout).not.toContain('setvariable');
    expect(errorLines(run)).toEqual([
      expect.stringMatching(
        /^databricks-oidc: Minting the job-scoped PAT failed: .*token_id that is not a token id/,
      ),
    ]);
  });

  it('an on-behalf-of token id with line breaks cannot add variables to a dotenv hand-off', async () => {
    const partner = partnerSetUp();
    rewriteTokenInfo('token-management.create-obo', { token_id: LINE_INJECTION });
    const run = await fx.run(
      ['obo', 'mint', '--application-id', partner.applicationId, '--format', 'dotenv'],
      fx.gitlabJob(),
    );
    expect(run.exitCode).toBe(5);
    expect(run.stdout).toBe('');
    expect(injected(run)).toEqual([]);
    expect(errorLines(run)).toHaveLength(1);
  });

  it('a partner whose applicationId is not a UUID is no partner: nothing minted, nothing echoed', async () => {
    partnerSetUp();
    fx.emulator.faults.add('workspace.scim-service-principals', {
      kind: 'rewrite',
      edit: (body) => ({
        ...body,
        Resources: (body['Resources'] as object[]).map((r) => ({
          ...r,
          applicationId: LINE_INJECTION,
        })),
      }),
    });
    const run = await fx.run(
      ['obo', 'mint', '--application-id', 'FIVETRAN_USER', '--format', 'azure'],
      { ...fx.gitlabJob(), TF_BUILD: 'True' },
    );
    expect(run.exitCode).toBe(5);
    expect(run.stdout).toBe('');
    expect(injected(run)).toEqual([]);
    expect(errorLines(run)).toEqual([
      expect.stringContaining('no service principal has displayName "FIVETRAN_USER"'),
    ]);
    expect(fx.emulator.pats.tokens).toEqual([]);
  });

  it("obo prune's report and JSON carry no command from a listed id or comment", async () => {
    const partner = partnerSetUp();
    const env = fx.gitlabJob();
    const minted = await mintJson(partner.applicationId, env);
    expect(minted.exitCode, minted.stderr).toBe(0);
    const hostile = (body: Record<string, unknown>) => {
      const [real] = body['token_infos'] as Record<string, unknown>[];
      return {
        token_infos: [
          { ...real, comment: `Partner Connect ${AZURE_INJECTION} ##[error]x` },
          { ...real, token_id: LINE_INJECTION },
          { ...real, token_id: '::error::pwned' },
        ],
      };
    };
    for (const json of [false, true]) {
      fx.emulator.faults.add('token-management.list', { kind: 'rewrite', edit: hostile });
      const run = await fx.run(
        ['obo', 'prune', '--application-id', partner.applicationId, ...(json ? ['--json'] : [])],
        env,
      );
      expect(run.exitCode, run.stderr).toBe(0);
      expect(injected(run)).toEqual([]);
      expect(run.stdout).not.toMatch(/##vso\[|##\[|::error/);
      if (json) {
        const report = JSON.parse(run.stdout) as { untouched: { comment: string }[] };
        // The same text once parsed: `#` travels as \u0023, which no runner reads.
        expect(report.untouched.map((t) => t.comment)).toEqual([
          `Partner Connect ${AZURE_INJECTION} ##[error]x`,
        ]);
      }
    }
    expect(fx.emulator.pats.live(partner.applicationId)).toHaveLength(1);
  });
});

describe('one cleaner for every text that reaches a log, for both runners', () => {
  it("a server error text with Azure's ##vso[ reaches stderr defused", async () => {
    const env = azureJob();
    fx.emulator.faults.add('workspace.token', {
      kind: 'status',
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: `denied ${AZURE_INJECTION} ##VSO[task.complete]`,
      },
    });
    const run = await fx.run(['exchange'], env);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain('denied');
    expect(injected(run)).toEqual([]);
    expect(run.stderr).not.toMatch(/##vso\[/i);
  });

  it('doctor and policy print claims with no ##vso[ or ##[ in them, as the same values', async () => {
    const aud = fx.tokenEndpoint();
    fx.trust(fx.emulator.ci.gitlab, [aud]);
    const env = {
      ...fx.emulator.ci.gitlab.jobEnv(aud, 'DATABRICKS_OIDC_TOKEN'),
      DATABRICKS_OIDC_TOKEN: fx.emulator.ci.gitlab.mintJwt({
        aud,
        project_path: AZURE_INJECTION,
        sub: `project_path:${AZURE_INJECTION}:##[error]x`,
      }),
      TF_BUILD: 'True',
    };
    for (const args of [['doctor'], ['doctor', '--json'], ['policy']]) {
      const run = await fx.run(args, env);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(injected(run)).toEqual([]);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/##vso\[|##\[/i);
    }
    const json = await fx.run(['doctor', '--json'], env);
    const report = JSON.parse(json.stdout) as { claims: Record<string, string> };
    expect(report.claims['project_path']).toBe(AZURE_INJECTION);
  });
});

describe('a hostile argument', () => {
  it.each([
    ['a stray word', ['exchange', `word${AZURE_INJECTION}`]],
    ['an unknown flag', ['exchange', `--x${AZURE_INJECTION}`]],
    ['a bad format', ['exchange', '--format', `${AZURE_INJECTION}::error::x`]],
  ])('%s is quoted in one line with no runner command', async (_, args) => {
    const run = await fx.run(args, fx.gitlabJob());
    expect(run.exitCode).toBe(2);
    expect(errorLines(run)).toHaveLength(1);
    expect(injected(run)).toEqual([]);
    expect(run.stderr).not.toMatch(/##vso\[/i);
  });
});

describe('the runner that reads the output masks the token first', () => {
  const githubEnv = (): Record<string, string> => ({ ...fx.gitlabJob(), GITHUB_ACTIONS: 'true' });

  it('token on GitHub (explicit token, a stray TF_BUILD) masks on stderr and answers on stdout', async () => {
    const run = await fx.run(
      ['token'],
      { ...githubEnv(), TF_BUILD: 'True' },
      (r) => [r.stdout.trim()],
      true,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const token = run.stdout.trim();
    expect(run.stdout).toBe(`${token}\n`);
    expect(run.stderr.split('\n')).toContain(`::add-mask::${token}`);
    expect(run.stderr).not.toContain('##vso');
  });

  it('exchange on GitHub with a stray TF_BUILD hands off the GitHub way, masked with ::add-mask::', async () => {
    const githubEnvFile = join(fx.dir, 'github-env');
    writeFileSync(githubEnvFile, '');
    const run = await fx.run(
      ['exchange'],
      { ...githubEnv(), TF_BUILD: 'True', GITHUB_ENV: githubEnvFile },
      (r) => [/^::add-mask::(.*)$/m.exec(r.stdout)?.[1] ?? ''],
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const mask = /^::add-mask::(.+)$/m.exec(run.stdout)?.[1] ?? '';
    expect(run.stdout).not.toContain('##vso');
    expect(readFileSync(githubEnvFile, 'utf8')).toContain(`\n${mask}\n`);
  });

  it('token on Azure sets it secret on stderr, a line of its own, and keeps stdout the token', async () => {
    const run = await fx.run(['token'], azureJob(), (r) => [r.stdout.trim()], true);
    expect(run.exitCode, run.stderr).toBe(0);
    const token = run.stdout.trim();
    expect(run.stdout).toBe(`${token}\n`);
    expect(run.stderr.split('\n')).toContain(`##vso[task.setsecret]${token}`);
  });

  it("exec on GitHub masks the child's token on stderr before the child runs", async () => {
    const child = `process.stdout.write(require('node:crypto').createHash('sha256').update(process.env.DATABRICKS_TOKEN).digest('hex'))`;
    const run = await fx.run(
      ['exec', '--', process.execPath, '-e', child],
      githubEnv(),
      undefined,
      true,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const masks = run.stderr.split('\n').filter((line) => line.startsWith('::add-mask::'));
    expect(masks.map((line) => sha256(line.slice('::add-mask::'.length)))).toEqual([run.stdout]);
  });

  it('exchange --format shell on Azure: the mask is a line of its own, and an eval prints it too', async () => {
    const run = await fx.run(['exchange', '--format', 'shell'], azureJob(), (r) => [
      /DATABRICKS_TOKEN='([^']+)'/.exec(r.stdout)?.[1] ?? '',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const token = /DATABRICKS_TOKEN='([^']+)'/.exec(run.stdout)?.[1] ?? '';
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`##vso[task.setsecret]${token}`);
    // The printed copy holds no ##vso[ of its own: the agent would take its quote for the secret.
    expect(lines.filter((line) => line.includes('##vso['))).toEqual([lines[0]]);
    const evaluated = execFileSync(
      'bash',
      ['-ec', 'eval "$HANDOFF"; printf "%s\\n" "$DATABRICKS_TOKEN"'],
      { env: { HANDOFF: run.stdout, PATH: jobPath() }, encoding: 'utf8' },
    ).split('\n');
    expect(evaluated.slice(0, 2)).toEqual([`##vso[task.setsecret]${token}`, token]);
  });

  it('--format azure outside Azure Pipelines is refused before any exchange, unless --output', async () => {
    const run = await fx.run(['exchange', '--format', 'azure'], fx.gitlabJob());
    expect(run.exitCode).toBe(2);
    expect(errorLines(run)).toEqual([
      expect.stringContaining('format is azure, but this is no Azure Pipelines job'),
    ]);
    expect(fx.exchanges()).toBe(0);
  });
});

describe('every path out of exec after a PAT exists revokes it', () => {
  const onlyPat = () => {
    const [record, ...more] = fx.emulator.pats.tokens;
    expect(more).toEqual([]);
    if (record === undefined) throw new Error('no PAT was minted');
    return record;
  };

  it('an empty command (-- "$UNSET") is refused before anything is minted', async () => {
    const run = await fx.run(['exec', '--pat-lifetime', '600', '--', ''], fx.gitlabJob());
    expect(run.exitCode).toBe(2);
    expect(errorLines(run)).toEqual([
      'databricks-oidc: Reading inputs failed: command after -- is empty (an unset or empty variable?). Give the command to run after --, e.g. databricks-oidc exec -- databricks bundle deploy',
    ]);
    expect(fx.exchanges()).toBe(0);
    expect(fx.emulator.pats.tokens).toEqual([]);
  });

  it('SIGHUP is forwarded to the child, and the PAT revoked after it exits', async () => {
    const run = await fx.execSignalled(['--pat-lifetime', '600'], fx.gitlabJob(), 'SIGHUP');
    expect(run.stdout).toContain('got-hup');
    expect(run.exitCode).toBe(44);
    expect(fx.emulator.pats.isLive(onlyPat().value)).toBe(false);
    expect(run.stderr).toContain('is revoked with the PAT itself');
  });

  it('an expiry date beyond any JavaScript date is not known, and the PAT is still revoked', async () => {
    rewriteTokenInfo('tokens.create', { expiry_time: 1e20 });
    const child = 'printf "[%s]" "$DATABRICKS_PAT_EXPIRES_AT"';
    const run = await fx.run(
      ['exec', '--pat-lifetime', '600', '--', 'sh', '-c', child],
      fx.gitlabJob(),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('[]');
    expect(run.stderr).toContain('expires never, or at no time a date can hold');
    expect(fx.emulator.pats.isLive(onlyPat().value)).toBe(false);
  });
});

describe('server dates beyond a JavaScript date', () => {
  it('obo prune lists a token created "after" year 275760 without a crash', async () => {
    const partner = partnerSetUp();
    const env = fx.gitlabJob();
    rewriteTokenInfo('token-management.create-obo', { expiry_time: 9e15 });
    const minted = await mintJson(partner.applicationId, env);
    expect(minted.exitCode, minted.stderr).toBe(0);
    expect(JSON.parse(minted.stdout)).toMatchObject({ DATABRICKS_OBO_TOKEN_EXPIRES_AT: '' });
    fx.emulator.faults.add('token-management.list', {
      kind: 'rewrite',
      edit: (body) => ({
        token_infos: (body['token_infos'] as object[]).map((t) => ({
          ...t,
          creation_time: 1e300,
          expiry_time: 1e300,
        })),
      }),
    });
    const run = await fx.run(['obo', 'prune', '--application-id', partner.applicationId], env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^kept +\S+ +created \? +expires never/m);
  });
});

describe('destinations are checked before anything is minted, and replaced, never written through', () => {
  const dotenvToken = (path: string) => () => [
    /DATABRICKS_TOKEN='?([^'\s]+)/.exec(readFileSync(path, 'utf8'))?.[1] ?? '',
  ];

  it('an --output in a directory that does not exist is refused before the exchange', async () => {
    const run = await fx.run(
      ['exchange', '--pat-lifetime', '600', '--output', join(fx.dir, 'missing', 'databricks.env')],
      fx.gitlabJob(),
    );
    expect(run.exitCode).toBe(2);
    expect(errorLines(run)).toEqual([
      expect.stringMatching(
        /^databricks-oidc: Reading inputs failed: output ".*" cannot be written/,
      ),
    ]);
    expect(fx.exchanges()).toBe(0);
    expect(fx.emulator.pats.tokens).toEqual([]);
  });

  it('a GITHUB_ENV that cannot be written is refused before obo mint mints anything', async () => {
    const partner = partnerSetUp();
    const run = await fx.run(
      ['obo', 'mint', '--application-id', partner.applicationId, '--format', 'github'],
      { ...fx.gitlabJob(), GITHUB_ENV: join(fx.dir, 'missing', 'env') },
    );
    expect(run.exitCode).toBe(2);
    expect(errorLines(run)).toEqual([expect.stringContaining('format is github, but GITHUB_ENV')]);
    expect(fx.exchanges()).toBe(0);
  });

  it('--force replaces a hard link (or FIFO) planted at the path: its target keeps its content', async () => {
    const victim = join(fx.dir, 'victim');
    const out = join(fx.dir, 'databricks.env');
    // Not in fx.dir, whose files the leak scan reads: reading a FIFO would wait for a writer.
    const fifo = join(mkdtempSync(join(tmpdir(), 'cli-fifo-')), 'fifo.env');
    writeFileSync(victim, 'keep\n');
    linkSync(victim, out);
    execFileSync('mkfifo', [fifo]);
    for (const path of [out, fifo]) {
      const run = await fx.run(
        ['exchange', '--format', 'dotenv', '--output', path, '--force'],
        fx.gitlabJob(),
        dotenvToken(path),
      );
      expect(run.exitCode, run.stderr).toBe(0);
      const stats = lstatSync(path);
      expect(stats.isFile()).toBe(true);
      expect(stats.mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toMatch(/^DATABRICKS_HOST=/m);
      // The next run's scan of fx.dir would find this run's token in it.
      rmSync(path);
    }
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');
  });
});

describe('crash paths end in one line that names the stage', () => {
  it('token --json with a corrupt cache entry answers from a new exchange, no stack, no bundle', async () => {
    const env = fx.gitlabJob();
    const first = await fx.run(['token'], env, (r) => [r.stdout.trim()]);
    expect(first.exitCode, first.stderr).toBe(0);
    const [dir = ''] = readdirSync(fx.dir).filter((name) => name.startsWith('databricks-oidc-'));
    const [name = ''] = readdirSync(join(fx.dir, dir));
    const file = join(fx.dir, dir, name);
    const { key } = JSON.parse(readFileSync(file, 'utf8')) as { key: string };
    writeFileSync(file, JSON.stringify({ key, access_token: 'planted', expires_on: 1e15 }));
    const run = await fx.run(['token', '--json'], env, (r) => [
      String((JSON.parse(r.stdout || '{}') as Record<string, unknown>)['access_token']),
    ]);
    expect(run.exitCode, run.stderr.slice(0, 500)).toBe(0);
    expect(run.stderr).toContain('Databricks token received');
    expect(run.stderr.length).toBeLessThan(2000);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(JSON.parse(run.stdout)).toMatchObject({ token_type: 'Bearer' });
  });

  // exchange also prints `(exit N)` for an eval after a failure: a closed stdout must not make a
  // second line of that, nor change the code.
  it.each([['token'], ['exchange', '--format', 'shell']])(
    'a closed stdout (EPIPE) ends in one line on stderr: %s',
    async (...command) => {
      const env = { ...fx.gitlabJob(), TMPDIR: fx.dir, PATH: jobPath() };
      const child = spawn(process.execPath, [CLI_ENTRY, ...command, ...fx.settings()], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(2);
      expect(stderr.split('\n').filter((line) => line.startsWith('databricks-oidc:'))).toEqual([
        expect.stringMatching(
          /^databricks-oidc: Writing outputs failed: stdout was closed before everything was written \(EPIPE\)/,
        ),
      ]);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(cliLeaks({ exitCode: code ?? 1, stdout: '', stderr }, fx.emulator.secrets())).toEqual(
        [],
      );
    },
  );

  it('--application-id echoes no more than the start of a misplaced secret', async () => {
    fx.emulator.pats.addAdmin(CLIENT_ID);
    const secret = `dose${'0123456789abcdef'.repeat(4)}`;
    const run = await fx.run(['obo', 'mint', '--application-id', secret], fx.gitlabJob());
    expect(run.exitCode).toBe(5);
    expect(errorLines(run)).toEqual([
      expect.stringContaining('no service principal has displayName "dose01… (68 characters)"'),
    ]);
    expect(run.stderr).not.toContain(secret.slice(0, 10));
  });
});
