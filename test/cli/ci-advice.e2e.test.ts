// dist/cli.js on each CI as a new user meets it (issue 21): the advice names the CLI's own flags
// and variables, the CI's own mistakes, and never sends the user astray.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID, exportedToken, useCliEmulator } from './fixture.ts';
import { CLI_ENTRY, cliLeaks, jobPath, runCli, type CliRun } from './runner.ts';

const fx = useCliEmulator();

/** Runs the CLI with only these arguments (no --host): the settings come from the variables. */
async function runBare(args: string[], env: Record<string, string>): Promise<CliRun> {
  const run = await runCli(args, { TMPDIR: fx.dir, HOME: fx.dir, ...env });
  expect(cliLeaks(run, fx.emulator.secrets())).toEqual([]);
  return run;
}

const jsonToken = (run: CliRun): string[] => [
  String((JSON.parse(run.stdout || '{}') as Record<string, string>)['DATABRICKS_TOKEN']),
];

describe('CircleCI without the circleci executable', () => {
  it('with --audience names the missing executable, claims no token and retries nothing', async () => {
    const circle = fx.emulator.ci.circleci;
    const env = { ...circle.jobEnv(), PATH: jobPath() };
    const run = await fx.run(['exchange', '--audience', fx.tokenEndpoint()], env);
    expect(run.exitCode, run.stderr).toBe(4);
    expect(run.stderr).toContain('the circleci executable is not on PATH');
    expect(run.stderr).toContain(`drop --audience to use CIRCLE_OIDC_TOKEN_V2`);
    expect(run.stderr).not.toContain('Token claims');
    expect(run.stderr).not.toContain('disposed');
    expect(run.stderr).not.toMatch(/retry \d/);
    expect(run.stdout).toBe('(exit 4)\n');
  });

  it('with --audience the organization ID uses CIRCLE_OIDC_TOKEN_V2, which has it', async () => {
    const circle = fx.emulator.ci.circleci;
    fx.trust(circle, [circle.orgId], 'oidc.circleci.com/project-id');
    const env = { ...circle.jobEnv(), PATH: jobPath() };
    const run = await fx.run(
      ['exchange', '--audience', circle.orgId, '--format', 'json'],
      env,
      jsonToken,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('Token source: CircleCI (CIRCLE_OIDC_TOKEN_V2)');
    expect(run.stderr).not.toContain('circleci run oidc get');
  });
});

describe('Azure Pipelines', () => {
  it.each([
    ['SYSTEM_OIDCREQUESTURI', '$(System.OidcRequestUri)'],
    ['SYSTEM_ACCESSTOKEN', '$(System.AccesToken)'],
    ['DATABRICKS_OIDC_TOKEN', '$(idToken)'],
  ])(
    'names %s when its $(…) macro was not expanded, and says it was not mapped',
    async (name, value) => {
      const azure = fx.emulator.ci.azureDevops;
      const run = await fx.run(['exchange'], { ...azure.pipelineEnv(), [name]: value });
      expect(run.exitCode, run.stderr).toBe(4);
      expect(run.stderr).toContain(
        `${name} holds "${value}", an Azure Pipelines macro that was not expanded`,
      );
      expect(run.stderr).not.toContain('internal error');
    },
  );

  it('names an unexpanded macro in a setting variable before anything is sent', async () => {
    const azure = fx.emulator.ci.azureDevops;
    const env = { ...azure.pipelineEnv(), DATABRICKS_HOST: '$(DATABRICKS_HOST)' };
    const run = await runBare(['exchange', '--client-id', CLIENT_ID], env);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain('DATABRICKS_HOST holds "$(DATABRICKS_HOST)"');
    expect(fx.emulator.requests).toEqual([]);
  });

  it('--azure-service-connection asks for the service connection token: sub sc://…', async () => {
    const azure = fx.emulator.ci.azureDevops;
    const sub = `sc://${azure.organization}/${azure.projectName}/${azure.serviceConnection.name}`;
    fx.trust({ issuer: azure.issuer, claims: { sub } }, ['api://AzureADTokenExchange']);
    const env = {
      ...azure.pipelineEnv(),
      DATABRICKS_AZURE_SERVICE_CONNECTION: azure.serviceConnection.id,
    };
    const run = await fx.run(['exchange'], env, (r) =>
      [...r.stdout.matchAll(/##vso\[task\.setsecret\](.*)/g)].map((m) => m[1] ?? ''),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain(`sub=${sub}`);
    const asked = fx.emulator.requests.filter((r) => r.route === 'ci.azure-devops.oidctoken');
    expect(asked.map((r) => r.query['serviceConnectionId'])).toEqual([azure.serviceConnection.id]);
  });

  it('refuses a service connection that is not an ID (a name), before anything is sent', async () => {
    const azure = fx.emulator.ci.azureDevops;
    const run = await fx.run(
      ['exchange', '--azure-service-connection', 'my-connection'],
      azure.pipelineEnv(),
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('azure-service-connection "my-con');
    expect(fx.emulator.requests).toEqual([]);
  });
});

describe('Kubernetes default service account token', () => {
  it.each([
    ['the API server', undefined],
    ['the API server by its cluster-local name', ['https://kubernetes.default.svc.cluster.local']],
    ['the issuer (GKE, AKS)', 'issuer'],
  ] as const)(
    'with the audience %s is refused with the fix, and no policy suggests it',
    async (_, aud) => {
      const k8s = fx.emulator.ci.kubernetes;
      // Beside the test's directory, whose files the fixture checks for leaks.
      const file = `${fx.dir}-token`;
      const audience = aud === 'issuer' ? [k8s.issuer] : aud === undefined ? undefined : [...aud];
      writeFileSync(file, k8s.mintJwt(audience === undefined ? {} : { aud: audience }));
      for (const command of ['exchange', 'policy', 'doctor']) {
        const run = await fx.run([command, '--oidc-token-file', file], k8s.jobEnv());
        expect(run.exitCode, `${command}: ${run.stderr}`).toBe(command === 'doctor' ? 0 : 4);
        const said = run.stdout + run.stderr;
        expect(said).toContain('is a Kubernetes default service account token');
        expect(said).toContain('Project a service account token with an audience of its own');
        expect(said).not.toContain('"audiences"');
        expect(said).not.toContain('federation-policy create');
      }
      expect(fx.exchanges()).toBe(0);
    },
  );
});

/**
 * A real bash with these options running the script, $CLI naming dist/cli.js. Its stdin is not a
 * socket (Node's pipes are), else bash takes itself for a remote shell and reads ~/.bashrc instead
 * of $BASH_ENV, which CircleCI's steps rely on.
 */
function bash(options: string[], script: string, env: Record<string, string>): Promise<CliRun> {
  const child = spawn('bash', [...options, '-c', script], {
    env: { PATH: jobPath(), CLI: CLI_ENTRY, HOME: fx.dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr })),
  );
}

/** One CircleCI `run` step: bash -eo pipefail, which sources $BASH_ENV first. */
const circleStep = (script: string, env: Record<string, string>): Promise<CliRun> =>
  bash(['-eo', 'pipefail'], script, env);

/** A GitLab job script under `bash -e`: eval of the exchange, then a line that must not run after a failure. */
async function evalUnderBashE(args: string[], env: Record<string, string>): Promise<CliRun> {
  const script = `eval "$(node "$CLI" ${args.map((a) => `'${a}'`).join(' ')})"\necho "carried on: \${DATABRICKS_TOKEN:+token set}"`;
  const run = await bash(['-e'], script, { TMPDIR: fx.dir, ...env });
  expect(cliLeaks(run, fx.emulator.secrets())).toEqual([]);
  return run;
}

describe('eval "$(databricks-oidc exchange)" under bash -e', () => {
  it('fails the script with the exit code of a refused exchange, and runs nothing after it', async () => {
    const env = fx.emulator.ci.gitlab.jobEnv(fx.tokenEndpoint()); // no policy trusts it
    const run = await evalUnderBashE(['exchange', ...fx.settings()], env);
    expect(run.exitCode, run.stderr).toBe(5);
    expect(run.stdout).not.toContain('carried on');
    expect(run.stderr).toContain('Databricks refused the token');
  });

  it('fails the script on a usage error too', async () => {
    const run = await evalUnderBashE(['exchange', '--no-such-flag'], {});
    expect(run.exitCode).toBe(2);
    expect(run.stdout).not.toContain('carried on');
  });

  it('carries on with the token when the exchange succeeds', async () => {
    const run = await evalUnderBashE(['exchange', ...fx.settings()], fx.gitlabJob());
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('carried on: token set\n');
  });

  it('prints no shell line for a failure whose hand-off is a file or another format', async () => {
    const env = fx.emulator.ci.gitlab.jobEnv(fx.tokenEndpoint());
    for (const flags of [
      ['--output', `${fx.dir}/h.env`],
      ['--format', 'json'],
    ]) {
      const run = await fx.run(['exchange', ...flags], env);
      expect(run.exitCode).toBe(5);
      expect(run.stdout).toBe('');
    }
  });
});

/** A GitLab job the policy trusts, whose id token has `seconds` left. */
function trustedGitLabJob(seconds: number): Record<string, string> {
  const gitlab = fx.emulator.ci.gitlab;
  const aud = fx.tokenEndpoint();
  fx.trust(gitlab, [aud]);
  return {
    ...gitlab.jobEnv(aud),
    DATABRICKS_OIDC_TOKEN: gitlab.mintJwt({ aud }, { expiresInSeconds: seconds }),
  };
}

describe('GitLab', () => {
  it('with two *_ID_TOKEN variables and no --audience names them, and says what would choose', async () => {
    const gitlab = fx.emulator.ci.gitlab;
    const aud = fx.tokenEndpoint();
    const env = {
      ...gitlab.jobEnv(aud, 'VAULT_ID_TOKEN'),
      ...gitlab.jobEnv(aud, 'DEPLOY_ID_TOKEN'),
    };
    const run = await fx.run(['exchange'], env);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain(
      '2 *_ID_TOKEN variables are set (DEPLOY_ID_TOKEN, VAULT_ID_TOKEN) and no --audience says which one to use',
    );
    const asked = await fx.run(['exchange', '--audience', 'https://elsewhere.example'], env);
    expect(asked.stderr).toContain('and 0 of them have the audience https://elsewhere.example');
  });

  it('says how long the Databricks token can live when the ID token is nearly spent', async () => {
    const env = trustedGitLabJob(40);
    const run = await fx.run(['exchange', '--format', 'json'], env, jsonToken);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /warning: The token from the variable DATABRICKS_OIDC_TOKEN expires in \d+ s, and the Databricks token cannot outlive it/,
    );
    const fresh = await fx.run(['exchange', '--format', 'json'], fx.gitlabJob(), jsonToken);
    expect(fresh.stderr).not.toContain('cannot outlive it');
  });
});

describe('a host URL with a port where nothing listens', () => {
  it('is bad input at once: no retries, no "re-run"', async () => {
    const gitlab = fx.emulator.ci.gitlab;
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const host = `http://127.0.0.1:${closed}`;
    const run = await runBare(['exchange', '--host', host, '--client-id', CLIENT_ID], {
      ...gitlab.jobEnv(`${host}/oidc/v1/token`),
    });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      `could not connect to 127.0.0.1:${closed}: the connection was refused`,
    );
    expect(run.stderr).not.toMatch(/retry \d|transient|re-run/);
  });
});

describe('a host with a typo in its domain', () => {
  it.each(['https://dbc-1234.cloud.databricks.con', 'https://adb-1.2.azuredatabrick.net'])(
    '%s: says the name looks misspelt, before anything about the audience',
    async (host) => {
      const env = fx.emulator.ci.gitlab.jobEnv(fx.tokenEndpoint());
      const run = await runBare(['exchange', '--host', host, '--client-id', CLIENT_ID], env);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/host ends in "[a-z.]+", which looks like a typo of [a-z.]+\./);
      expect(run.stderr).not.toContain('audience');
    },
  );
});

/** The `create` command a refusal prints, parsed: the policy it would create. */
function createdPolicy(stderr: string): Record<string, unknown> {
  const command = stderr
    .split('\n')
    .find((line) => line.startsWith('  databricks account service-principal-federation-policy'));
  const json = /--json '(.*)'$/.exec(command ?? '')?.[1] ?? '{}';
  return (JSON.parse(json) as { oidc_policy: Record<string, unknown> }).oidc_policy;
}

describe('refusal advice on the command line', () => {
  it('names flags and variables, never action inputs (GitHub, where the CLI chooses the audience)', async () => {
    const { github } = fx.emulator;
    const run = await fx.run(['exchange', '--format', 'json'], {
      GITHUB_ACTIONS: 'true',
      ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
    });
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain(
      `or set --audience (DATABRICKS_TOKEN_AUDIENCE) to ${fx.emulator.account.accountId}.`,
    );
    expect(run.stderr).toContain(`--client-id (DATABRICKS_CLIENT_ID) ${CLIENT_ID}`);
    expect(run.stderr).not.toMatch(/\binput\b/);
  });

  it('on GitLab advises the policy or the id_tokens YAML, never --audience', async () => {
    const run = await fx.run(['exchange'], fx.emulator.ci.gitlab.jobEnv(fx.tokenEndpoint()));
    expect(run.exitCode).toBe(5);
    const { accountId } = fx.emulator.account;
    expect(run.stderr).toContain(
      `list the audience above in the policy, or set aud: of the token under id_tokens: in .gitlab-ci.yml to ${accountId}.`,
    );
    expect(run.stderr).not.toContain('--audience');
    expect(createdPolicy(run.stderr)['audiences']).toEqual([fx.tokenEndpoint()]);
  });

  it('on GitLab builds no policy on an id_tokens audience that looks like a mistake', async () => {
    const env = fx.emulator.ci.gitlab.jobEnv('https://gitlab.com/my-group');
    const { accountId } = fx.emulator.account;
    const run = await fx.run(['exchange'], env);
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain(
      `it is set in aud: of the token under id_tokens: in .gitlab-ci.yml, not by this tool: set it there to ${accountId}`,
    );
    expect(createdPolicy(run.stderr)['audiences']).toEqual([accountId]);
    const policy = await fx.run(['policy'], env);
    expect(policy.exitCode, policy.stderr).toBe(0);
    expect(policy.stdout).toContain(`# lists ${accountId} instead`);
    expect(policy.stdout).not.toContain('"https://gitlab.com/my-group"\n');
    const json = /^\{[\s\S]*?^\}/m.exec(policy.stdout)?.[0] ?? '{}';
    const parsed = JSON.parse(json) as { oidc_policy: { audiences: string[] } };
    expect(parsed.oidc_policy.audiences).toEqual([accountId]);
  });

  it('on Azure says the CI fixes the audience', async () => {
    const run = await fx.run(['exchange'], fx.emulator.ci.azureDevops.pipelineEnv());
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain(
      'list the audience above in the policy (Azure Pipelines fixes the audience of its token: nothing else can change it).',
    );
    expect(run.stderr).not.toContain('--audience');
  });

  it('a PAT refused for a nearly spent token names the ID token, not an action input', async () => {
    const env = trustedGitLabJob(20);
    const run = await fx.run(['exchange', '--pat-lifetime', '600', '--format', 'json'], env);
    expect(run.exitCode, run.stderr).not.toBe(0);
    expect(run.stderr).toContain('an ID token that is about to expire');
    expect(run.stderr).not.toContain('oidc-token that');
  });
});

describe('--quiet', () => {
  it('leaves out the progress lines of a run that succeeds, and shows them before an error', async () => {
    const gitlab = fx.emulator.ci.gitlab;
    const aud = fx.tokenEndpoint();
    fx.trust(gitlab, [aud]);
    const loud = await fx.run(['exchange'], gitlab.jobEnv(aud), (r) => exportedToken(r.stdout));
    const quiet = await fx.run(['exchange', '--quiet'], gitlab.jobEnv(aud), (r) =>
      exportedToken(r.stdout),
    );
    expect(quiet.exitCode).toBe(0);
    expect(loud.stderr).toContain('Token source:');
    expect(quiet.stderr).not.toContain('Token source:');
    expect(quiet.stderr).not.toContain('Token claims:');
    expect(quiet.stderr).toContain('cannot mask values at run time');
    expect(quiet.stdout).toMatch(/^export DATABRICKS_TOKEN=/m);
    const refused = await fx.run(
      ['exchange', '--quiet', '--format', 'json'],
      gitlab.jobEnv('other'),
    );
    expect(refused.exitCode).toBe(5);
    expect(refused.stderr).toMatch(/^databricks-oidc: Exchanging the token at Databricks failed/m);
    // The diagnosis the error refers to ("as shown above") is shown.
    expect(refused.stderr.indexOf('The token Databricks was shown:')).toBeGreaterThanOrEqual(0);
    expect(refused.stderr.indexOf('The token Databricks was shown:')).toBeLessThan(
      refused.stderr.indexOf('databricks-oidc: Exchanging'),
    );
  });
});

describe('CircleCI hand-off to later steps through $BASH_ENV (the README recipe)', () => {
  it('writes the variables to a new 0600 file that every later step sources', async () => {
    const circle = fx.emulator.ci.circleci;
    fx.trust(circle, [circle.orgId], 'oidc.circleci.com/project-id');
    const bashEnv = `${fx.dir}-bash-env`;
    writeFileSync(bashEnv, '');
    const env = {
      ...circle.jobEnv(),
      DATABRICKS_HOST: fx.emulator.workspace.url,
      DATABRICKS_CLIENT_ID: CLIENT_ID,
      BASH_ENV: bashEnv,
      TMPDIR: `${fx.dir}-tmp`,
    };
    execFileSync('mkdir', ['-p', env.TMPDIR]);
    const first = await circleStep(
      `d=$(mktemp -d)\nnode "$CLI" exchange --output "$d/databricks.env"\necho ". '$d/databricks.env'" >> "$BASH_ENV"`,
      env,
    );
    expect(first.exitCode, first.stderr).toBe(0);
    expect(cliLeaks(first, fx.emulator.secrets())).toEqual([]);
    const file = /^\. '(.+)'$/m.exec(readFileSync(bashEnv, 'utf8'))?.[1] ?? '';
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const later = await circleStep(
      'echo "${DATABRICKS_AUTH_TYPE}:${DATABRICKS_TOKEN:+token}"',
      env,
    );
    expect(later.stdout).toBe('pat:token\n');
  });
});

describe('Azure Pipelines, a job-scoped PAT and the always-run revoke step (the README recipe)', () => {
  it('hands DATABRICKS_PAT_ID off as a plain variable, which a later step revokes by', async () => {
    const azure = fx.emulator.ci.azureDevops;
    fx.trust(azure, ['api://AzureADTokenExchange']);
    const run = await fx.run(['exchange', '--pat-lifetime', '3600'], azure.pipelineEnv(), (r) =>
      [...r.stdout.matchAll(/##vso\[task\.setsecret\](.*)/g)].map((m) => m[1] ?? ''),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    // A plain variable (no issecret): Azure puts it into every later step's environment.
    const id = /^##vso\[task\.setvariable variable=DATABRICKS_PAT_ID\](.+)$/m.exec(run.stdout)?.[1];
    expect(id).toBe(fx.emulator.pats.tokens[0]?.tokenId);
    const revoke = await fx.run(['pat', 'revoke', '--token-id', id ?? ''], {
      ...azure.pipelineEnv(),
      DATABRICKS_PAT_ID: id ?? '',
    });
    expect(revoke.exitCode, revoke.stderr).toBe(0);
    expect(fx.emulator.pats.isLive(fx.emulator.pats.tokens[0]?.value ?? '')).toBe(false);
  });
});
