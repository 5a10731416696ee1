// exec, token, serve, policy and doctor of dist/cli.js, and the bad-input cases, on a GitLab job.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requestsTo } from '../emulator/index.ts';
import { CLIENT_ID, exportedToken, useCliEmulator } from './fixture.ts';
import { CLI_ENTRY, cliLeaks, jobPath, runCli } from './runner.ts';

const fx = useCliEmulator();
const SDK_STEP = fileURLToPath(new URL('../action/sdk-step.ts', import.meta.url));

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const HASH_CHILD = [
  process.execPath,
  '-e',
  "process.stdout.write(require('node:crypto').createHash('sha256').update(process.env.DATABRICKS_TOKEN).digest('hex') + ' ' + process.env.DATABRICKS_HOST); process.exit(7)",
];

describe('exec', () => {
  it("runs the child with the token in its environment, prints nothing itself, and returns the child's code", async () => {
    const run = await fx.run(['exec', '--', ...HASH_CHILD], fx.gitlabJob());
    expect(run.exitCode).toBe(7);
    const [hash, host] = run.stdout.split(' ');
    expect(host).toBe(fx.emulator.workspace.url);
    expect(fx.emulator.issuedTokens.map((issued) => sha256(issued.token))).toEqual([hash]);
    expect(run.stderr).not.toContain('cannot mask');
  });

  it('gives the SDK an explicit auth type, so a job that sets DATABRICKS_CLIENT_ID still authenticates', async () => {
    const env = { ...fx.gitlabJob(), DATABRICKS_CLIENT_ID: CLIENT_ID };
    const run = await runCli(
      ['exec', '--host', fx.emulator.workspace.url, '--', process.execPath, SDK_STEP],
      { ...env, TMPDIR: fx.dir },
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      authType: 'pat',
      userName: CLIENT_ID,
    });
    expect(cliLeaks(run, fx.emulator.secrets())).toEqual([]);
  });

  it('returns 128 + the signal when the child is killed', async () => {
    const run = await fx.run(['exec', '--', 'sh', '-c', 'kill -TERM $$'], fx.gitlabJob());
    expect(run.exitCode).toBe(128 + 15);
  });
});

describe('exec signals', () => {
  it('forwards SIGTERM to the child and returns its code', async () => {
    const run = await fx.execSignalled([], fx.gitlabJob());
    expect(run.exitCode).toBe(42);
    expect(run.stdout).toContain('got-term');
  });

  it('forwards SIGINT (a cancelled or Ctrl-C run) to the child and returns its code', async () => {
    const run = await fx.execSignalled([], fx.gitlabJob(), 'SIGINT');
    expect(run.exitCode).toBe(43);
    expect(run.stdout).toContain('got-int');
  });
});

describe('token', () => {
  it('prints only the token, caches it 0600 in a 0700 directory, and reuses it with no request', async () => {
    const env = fx.gitlabJob();
    const first = await fx.run(['token'], env, (r) => [r.stdout.trim()]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(fx.exchanges()).toBe(1);
    const requestsBefore = fx.emulator.requests.length;
    const second = await fx.run(['token', '--json'], env, () => [first.stdout.trim()]);
    expect(second.exitCode).toBe(0);
    expect(fx.emulator.requests.length).toBe(requestsBefore);
    const json = JSON.parse(second.stdout) as Record<string, unknown>;
    expect(json['access_token']).toBe(first.stdout.trim());
    expect(json['token_type']).toBe('Bearer');
    expect(typeof json['expires_on']).toBe('number');
    expect(new Date(String(json['expiry'])).getTime()).toBe(Number(json['expires_on']) * 1000);
    const [dir = ''] = (await readdir(fx.dir)).filter((name) =>
      name.startsWith('databricks-oidc-'),
    );
    expect((await stat(join(fx.dir, dir))).mode & 0o777).toBe(0o700);
    const [file = ''] = await readdir(join(fx.dir, dir));
    expect((await stat(join(fx.dir, dir, file))).mode & 0o777).toBe(0o600);
  });
});

describe('serve', () => {
  it('serves the Databricks SDK for JavaScript (auth type metadata-service) in a child it runs', async () => {
    const run = await fx.run(['serve', '--', process.execPath, SDK_STEP], fx.gitlabJob());
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, authType: 'metadata-service' });
  });
});

describe('policy and doctor', () => {
  it('policy prints the Bitbucket policy pinned on repositoryUuid, with no exchange', async () => {
    const bitbucket = fx.emulator.ci.bitbucket;
    const run = await fx.run(['policy'], bitbucket.jobEnv(fx.tokenEndpoint()));
    expect(run.exitCode, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout.slice(0, run.stdout.indexOf('\n}') + 2)) as {
      oidc_policy: Record<string, unknown>;
    };
    expect(json.oidc_policy).toEqual({
      issuer: bitbucket.issuer,
      audiences: [fx.tokenEndpoint()],
      subject: bitbucket.claims['repositoryUuid'],
      subject_claim: 'repositoryUuid',
    });
    expect(run.stdout).toContain('databricks account service-principal-federation-policy create');
    const accountWide = /databricks account federation-policy create --json '(.*)'$/m.exec(
      run.stdout,
    )?.[1];
    const accountPolicy = (JSON.parse(accountWide ?? '{}') as { oidc_policy?: object }).oidc_policy;
    expect(accountPolicy).toMatchObject({
      issuer: bitbucket.issuer,
      audiences: [fx.tokenEndpoint()],
    });
    expect(accountPolicy).not.toHaveProperty('subject'); // an account policy must not set it
    expect(accountPolicy).toHaveProperty('subject_claim');
    expect(fx.exchanges()).toBe(0);
  });

  it('doctor --json says which sources matched, the claims and what would shadow OIDC', async () => {
    const run = await fx.run(['doctor', '--json'], {
      ...fx.gitlabJob(),
      DATABRICKS_TOKEN: 'dapi-stale-token-value',
    });
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(report['ci']).toBe('gitlab');
    expect(report['shadowing']).toEqual(['DATABRICKS_TOKEN']);
    expect(report['host_metadata']).toEqual({
      host_type: 'workspace',
      account_id: fx.emulator.account.accountId,
      workspace_id: expect.stringMatching(/^\d+$/),
      default_audience: null,
      oidc_endpoint: `${fx.emulator.workspace.url}/oidc`,
      token_endpoint: `${fx.emulator.workspace.url}/oidc/v1/token`,
    });
    expect((report['claims'] as Record<string, unknown>)['sub']).toBe(
      fx.emulator.ci.gitlab.claims['sub'],
    );
    expect(fx.exchanges()).toBe(0);
  });
});

describe('help and version', () => {
  it('--help, <command> --help and --version print on stdout and exit 0', async () => {
    const help = await runCli(['--help'], {});
    expect(help).toMatchObject({ exitCode: 0, stderr: '' });
    expect(help.stdout).toContain('exchange');
    const exchangeHelp = await runCli(['exchange', '--help'], {});
    expect(exchangeHelp.exitCode).toBe(0);
    expect(exchangeHelp.stdout).toContain('--format');
    const version = await runCli(['--version'], {});
    expect(version.stdout).toMatch(/^databricks-oidc \d+\.\d+\.\d+\n$/);
  });

  it('an unknown command: one line on stderr naming the valid ones, exit 2', async () => {
    const run = await runCli(['exchnage'], {});
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('valid commands: exchange, exec, token, serve, policy, doctor');
  });
});

describe('bad input', () => {
  it('an unknown flag: one line on stderr, exit 2', async () => {
    const run = await fx.run(['exchange', '--hots', 'x'], {});
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--hots');
  });

  it('token --lakebase-*: refused before any request, pointing at the commands that use it', async () => {
    const run = await fx.run(['token', '--lakebase-instance', 'orders-db'], fx.gitlabJob());
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(
      'token prints a Databricks token only and takes no --lakebase-instance',
    );
    expect(fx.exchanges()).toBe(0);
  });

  it('two explicit token sources at once: exit 2', async () => {
    const run = await fx.run(
      ['exchange', '--oidc-token-file', '/x', '--oidc-token-env', 'X'],
      fx.gitlabJob(),
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('oidc-token-file and oidc-token-env are both set');
  });

  it('a token file that is a directory or missing: exit 4 with the reason', async () => {
    const dir = await run4(['--oidc-token-file', fx.dir]);
    expect(dir.stderr).toContain('is a directory');
    const missing = await run4(['--oidc-token-file', join(fx.dir, 'nope')]);
    expect(missing.stderr).toContain('does not exist');
  });

  it('a token file it may not read: exit 4 with EACCES and the fix', async () => {
    const file = join(tmpdir(), `unreadable-jwt-${process.pid}`);
    await writeFile(file, fx.emulator.ci.gitlab.mintJwt({ aud: fx.tokenEndpoint() }));
    await chmod(file, 0o000);
    // root reads any file: the CLI then runs as nobody, as a job's unprivileged user would.
    const asUser =
      process.getuid?.() === 0
        ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
        : [];
    const [command = process.execPath, ...prefix] = [...asUser, process.execPath];
    const settings = fx.settings();
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        command,
        [...prefix, CLI_ENTRY, 'exchange', ...settings, '--oidc-token-file', file],
        { env: { PATH: jobPath(), GITLAB_CI: 'true' } },
        (error, _stdout, stderr) => resolve({ code: Number(error?.code ?? 0), stderr }),
      );
    }).finally(() => rm(file, { force: true }));
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain('cannot be read (EACCES). Make the file readable');
    expect(fx.exchanges()).toBe(0);
  });

  it('an expired JWT is refused before any exchange', async () => {
    const aud = fx.tokenEndpoint();
    const jwt = fx.emulator.ci.gitlab.mintJwt({ aud, exp: Math.floor(Date.now() / 1000) - 60 });
    const run = await fx.run(['exchange'], { GITLAB_CI: 'true', DATABRICKS_OIDC_TOKEN: jwt });
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain('expired at');
    expect(fx.exchanges()).toBe(0);
  });

  it('a JWT whose aud is not --audience is said plainly', async () => {
    const run = await fx.run(['exchange', '--audience', 'api://something-else'], fx.gitlabJob());
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      `audience is "api://something-else", but the token's aud is "${fx.tokenEndpoint()}"`,
    );
    expect(fx.exchanges()).toBe(0);
  });

  it('--output onto a symlink is refused, and onto an existing file without --force', async () => {
    const target = join(fx.dir, 'target');
    await mkdir(join(fx.dir, 'sub'));
    await writeFile(target, 'x');
    await symlink(target, join(fx.dir, 'sub', 'link'));
    const link = await fx.run(
      ['exchange', '--output', join(fx.dir, 'sub', 'link')],
      fx.gitlabJob(),
    );
    expect(link.exitCode).toBe(2);
    expect(link.stderr).toContain('is a symbolic link');
    const existing = await fx.run(['exchange', '--output', target], fx.gitlabJob());
    expect(existing.exitCode).toBe(2);
    expect(existing.stderr).toContain('already exists');
    expect(await readFile(target, 'utf8')).toBe('x');
    const forced = await fx.run(['exchange', '--output', target, '--force'], fx.gitlabJob(), () =>
      exportedToken(readFileSync(target, 'utf8')),
    );
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(exportedToken(await readFile(target, 'utf8'))).toHaveLength(1);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
  });

  it('settings that cannot work are bad input (exit 2), not a refusal by Databricks', async () => {
    fx.emulator.workspace.metadata = { host_type: 'account', account_id: undefined };
    const console = await fx.run(['exchange'], fx.gitlabJob());
    expect(console.exitCode, console.stderr).toBe(2);
    expect(console.stderr).toContain('is an account console, but the account ID is unknown');
    const customDomain = await runCli(
      ['exchange', '--host', 'https://databricks.corp.example'],
      fx.gitlabJob(),
    );
    expect(customDomain.exitCode, customDomain.stderr).toBe(2);
    expect(customDomain.stderr).toContain('may not choose the audience of the OIDC token');
    expect(fx.exchanges()).toBe(0);
  });

  it('refused by Databricks: exit 5 with the policy diagnosis', async () => {
    const run = await fx.run(['exchange'], fx.emulator.ci.gitlab.jobEnv(fx.tokenEndpoint()));
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain('The token Databricks was shown');
  });
});

async function run4(flags: string[]) {
  const run = await fx.run(['exchange', ...flags], { GITLAB_CI: 'true' });
  expect(run.exitCode).toBe(4);
  expect(requestsTo(fx.emulator, 'workspace.token')).toHaveLength(0);
  return run;
}
