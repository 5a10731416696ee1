// dist/cli.js in each CI's job environment, against the emulator's issuer for that CI.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID, exportedToken, useCliEmulator } from './fixture.ts';
import { jobPath, startCli } from './runner.ts';

const fx = useCliEmulator();

/** `eval "$(databricks-oidc exchange)"` in a real bash, then the variables as bash has them. */
function evalInBash(stdout: string): Record<string, string> {
  const script = `eval "$HANDOFF"; printf '%s\\n' "$DATABRICKS_HOST" "$DATABRICKS_TOKEN"`;
  const out = execFileSync('bash', ['-c', script], {
    env: { HANDOFF: stdout, PATH: jobPath() },
    encoding: 'utf8',
  });
  const [host = '', token = ''] = out.split('\n');
  return { host, token };
}

describe('GitLab', () => {
  it('reads the id_tokens variable, hands off shell lines that survive eval, and says it cannot mask', async () => {
    const aud = fx.tokenEndpoint();
    fx.trust(fx.emulator.ci.gitlab, [aud]);
    const env = fx.emulator.ci.gitlab.jobEnv(aud, 'DATABRICKS_ID_TOKEN');
    const run = await fx.run(['exchange'], env, (r) => exportedToken(r.stdout));
    expect(run.stderr).toContain('GitLab cannot mask values at run time');
    expect(run.exitCode).toBe(0);
    const vars = evalInBash(run.stdout);
    expect(vars['host']).toBe(fx.emulator.workspace.url);
    expect(vars['token']).toMatch(/.{20,}/);
    expect(fx.exchanges()).toBe(1);
  });

  it('writes dotenv to a new 0600 file with --output, and nothing on stdout', async () => {
    const aud = fx.tokenEndpoint();
    fx.trust(fx.emulator.ci.gitlab, [aud]);
    const file = join(fx.dir, 'databricks.env');
    const run = await fx.run(
      ['exchange', '--format', 'dotenv', '--output', file],
      fx.emulator.ci.gitlab.jobEnv(aud, 'DATABRICKS_OIDC_TOKEN'),
      () => [/DATABRICKS_TOKEN=(\S+)/.exec(readFileSync(file, 'utf8'))?.[1] ?? ''],
    );
    // The hand-off file holds the token by design; the fixture scans it, so read it after.
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^DATABRICKS_HOST=http/m);
  });
});

describe('Azure Pipelines', () => {
  it('sets every secret secret before it appears, then the variables, as the agent reads them', async () => {
    const azure = fx.emulator.ci.azureDevops;
    fx.trust(azure, ['api://AzureADTokenExchange']);
    const run = await fx.run(['exchange'], azure.pipelineEnv(), (r) =>
      [...r.stdout.matchAll(/##vso\[task\.setsecret\](.*)/g)].map((m) => m[1] ?? ''),
    );
    expect(run.exitCode).toBe(0);
    const masked = new Set<string>();
    const variables: Record<string, { value: string; secret: boolean }> = {};
    for (const line of run.stdout.split('\n').filter((l) => l !== '')) {
      const setSecret = /^##vso\[task\.setsecret\](.*)$/.exec(line);
      if (setSecret) {
        masked.add(setSecret[1] ?? '');
        continue;
      }
      const setVariable =
        /^##vso\[task\.setvariable variable=([A-Z_]+)(;issecret=true)?\](.*)$/.exec(line);
      expect(setVariable, line).not.toBeNull();
      const [, name = '', secret, value = ''] = setVariable ?? [];
      variables[name] = { value, secret: secret !== undefined };
      // The agent masks from the setsecret line on: each secret must be set secret before it appears.
      if (secret !== undefined) expect(masked.has(value), name).toBe(true);
    }
    expect(variables['DATABRICKS_TOKEN']?.secret).toBe(true);
    expect(variables['DATABRICKS_HOST']).toEqual({
      value: fx.emulator.workspace.url,
      secret: false,
    });
  });

  it('serve sets the metadata service URL secret before it prints it', async () => {
    const azure = fx.emulator.ci.azureDevops;
    fx.trust(azure, ['api://AzureADTokenExchange']);
    const settings = fx.settings();
    const server = startCli(['serve', ...settings], { ...azure.pipelineEnv(), TMPDIR: fx.dir });
    try {
      const [, url = ''] = await server.waitFor(
        /##vso\[task\.setvariable variable=DATABRICKS_METADATA_SERVICE_URL;issecret=true\](.*)\n/,
      );
      const { stdout } = server.output();
      const maskedAt = stdout.indexOf(`##vso[task.setsecret]${url}\n`);
      expect(maskedAt).toBeGreaterThanOrEqual(0);
      expect(maskedAt).toBeLessThan(stdout.indexOf(`issecret=true]${url}`));
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('says to map SYSTEM_ACCESSTOKEN when the step lacks it (exit 4)', async () => {
    const env = { ...fx.emulator.ci.azureDevops.pipelineEnv(), SYSTEM_ACCESSTOKEN: '' };
    const run = await fx.run(['exchange'], env);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain('SYSTEM_ACCESSTOKEN: $(System.AccessToken)');
  });
});

describe('GitHub Actions', () => {
  it('masks with ::add-mask:: and writes $GITHUB_ENV with --format auto', async () => {
    const { github } = fx.emulator;
    fx.trust(github, [fx.tokenEndpoint()]);
    const githubEnv = join(fx.dir, 'github-env');
    execFileSync('touch', [githubEnv]);
    const run = await fx.run(
      ['exchange'],
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_ENV: githubEnv,
        ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
      },
      (r) => [/::add-mask::(.*)/.exec(r.stdout)?.[1] ?? ''],
    );
    expect(run.exitCode).toBe(0);
    const mask = /^::add-mask::(.+)$/m.exec(run.stdout)?.[1];
    expect(await readFile(githubEnv, 'utf8')).toContain(`\n${mask}\n`);
  });

  it('--format json keeps stdout pure JSON (for jq) and masks on stderr, which the runner also reads', async () => {
    const { github } = fx.emulator;
    fx.trust(github, [fx.tokenEndpoint()]);
    const run = await fx.run(
      ['exchange', '--format', 'json'],
      {
        GITHUB_ACTIONS: 'true',
        ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
      },
      (r) => [String((JSON.parse(r.stdout || '{}') as Record<string, string>)['DATABRICKS_TOKEN'])],
      true,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const handedOff = JSON.parse(run.stdout) as Record<string, string>;
    expect(run.stderr.split('\n')).toContain(`::add-mask::${handedOff['DATABRICKS_TOKEN']}`);
  });
});

describe('GitHub Actions, serve', () => {
  it('masks its metadata service URL on stderr and prints the variables alone on stdout', async () => {
    const { github } = fx.emulator;
    fx.trust(github, [fx.tokenEndpoint()]);
    const settings = fx.settings();
    const server = startCli(['serve', ...settings], {
      GITHUB_ACTIONS: 'true',
      ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
      TMPDIR: fx.dir,
    });
    try {
      const [, url = ''] = await server.waitFor(/DATABRICKS_METADATA_SERVICE_URL='([^']+)'/);
      // Written to stderr before stdout, but read from another pipe: give it a moment to arrive.
      for (let i = 0; i < 100 && !server.output().stderr.includes(url); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(server.output().stderr.split('\n')).toContain(`::add-mask::${url}`);
      expect(server.output().stdout).not.toContain('add-mask');
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});

describe('CircleCI', () => {
  it('mints for --audience with the circleci command and pins the project ID', async () => {
    const circle = fx.emulator.ci.circleci;
    const aud = fx.tokenEndpoint();
    fx.trust(circle, [aud], 'oidc.circleci.com/project-id');
    const env = { ...circle.jobEnv(), PATH: jobPath(fx.emulator.ci.binDir) };
    const run = await fx.run(['exchange', '--audience', aud], env, (r) => exportedToken(r.stdout));
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('circleci run oidc get');
    expect(evalInBash(run.stdout)['token']).toMatch(/.{20,}/);
  });

  it('without --audience uses CIRCLE_OIDC_TOKEN_V2 (audience = org ID)', async () => {
    const circle = fx.emulator.ci.circleci;
    fx.trust(circle, [circle.orgId], 'oidc.circleci.com/project-id');
    const run = await fx.run(['exchange', '--format', 'json'], circle.jobEnv(), (r) => [
      String((JSON.parse(r.stdout || '{}') as Record<string, string>)['DATABRICKS_TOKEN']),
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('CIRCLE_OIDC_TOKEN_V2');
  });
});

describe('Buildkite', () => {
  it('asks the agent for the audience and feeds the redactor before writing the token', async () => {
    const bk = fx.emulator.ci.buildkite;
    const aud = fx.tokenEndpoint();
    fx.trust(bk, [aud], 'pipeline_id');
    const redactorLog = join(fx.dir, 'redactor.log');
    const env = {
      ...bk.jobEnv(),
      PATH: jobPath(fx.emulator.ci.binDir),
      BUILDKITE_REDACTOR_LOG: redactorLog,
    };
    const run = await fx.run(['exchange'], env, (r) => exportedToken(r.stdout));
    expect(run.exitCode).toBe(0);
    const token = exportedToken(run.stdout)[0] ?? '-';
    const redacted = (await readFile(redactorLog, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string);
    expect(redacted).toContain(token);
  });
});

describe.each([
  ['Bitbucket', 'bitbucket', 'repositoryUuid'],
  ['HCP Terraform', 'terraformCloud', undefined],
  ['Jenkins', 'jenkins', undefined],
] as const)('%s', (label, key, claim) => {
  it('exchanges the job token from its variable', async () => {
    const side = fx.emulator.ci[key];
    const aud = fx.tokenEndpoint();
    fx.trust(side, [aud], claim);
    const run = await fx.run(['exchange'], side.jobEnv(aud), (r) => exportedToken(r.stdout));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('cannot mask');
    expect(evalInBash(run.stdout)['token'], label).toMatch(/.{20,}/);
  });
});

describe('Kubernetes', () => {
  it('reads only a token file named explicitly, never the ambient one', async () => {
    const k8s = fx.emulator.ci.kubernetes;
    const aud = fx.tokenEndpoint();
    fx.trust(k8s, [aud]);
    const none = await fx.run(['exchange'], k8s.jobEnv());
    expect(none.exitCode).toBe(3);
    expect(none.stderr).toContain('In a Kubernetes pod: Project a service account token');
    const envChoice = await fx.run(['exchange', '--ci', 'env'], k8s.jobEnv());
    expect(envChoice.exitCode).toBe(2);
    expect(envChoice.stderr).toContain('ci is env, but no token variable is named');
    const file = join(tmpdir(), `k8s-token-${process.pid}`);
    execFileSync('sh', ['-c', 'cat > "$F"'], {
      input: `${k8s.mintJwt({ aud: [aud] })}\n`,
      env: { F: file },
    });
    const run = await fx.run(
      ['exchange', '--ci', 'kubernetes', '--oidc-token-file', file],
      k8s.jobEnv(),
      (r) => exportedToken(r.stdout),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(CLIENT_ID).toBeTruthy();
  });
});

describe.each([
  ['CircleCI', 'circleci', 'oidc.circleci.com/project-id'],
  ['Buildkite', 'buildkite', 'pipeline_id'],
  ['Bitbucket', 'bitbucket', 'repositoryUuid'],
] as const)('%s, refused', (label, key, claim) => {
  it('suggests the policy that pins the stable claim, and the command that creates it', async () => {
    const side = fx.emulator.ci[key];
    const env = {
      ...(key === 'bitbucket' ? side.jobEnv(fx.tokenEndpoint()) : side.jobEnv()),
      PATH: jobPath(fx.emulator.ci.binDir),
    };
    // No policy trusts the issuer: Databricks refuses.
    const run = await fx.run(['exchange'], env);
    expect(run.exitCode, run.stderr).toBe(5);
    const value = String(side.claims[claim]);
    expect(run.stderr).toContain(`  ${claim}: ${value}\n`);
    expect(run.stderr).toContain(`"subject_claim": "${claim}" and "subject": "${value}"`);
    const command = run.stderr
      .split('\n')
      .find((line) =>
        line.startsWith('  databricks account service-principal-federation-policy create '),
      );
    const json = /--json '(.*)'$/.exec(command ?? '')?.[1] ?? '{}';
    const { oidc_policy: policy } = JSON.parse(json) as { oidc_policy: Record<string, unknown> };
    expect(policy, label).toMatchObject({ subject_claim: claim, subject: value });
    expect(policy['issuer']).toBe(side.issuer);
    expect(policy['subject']).not.toBe(side.claims['sub']);
    expect(fx.exchanges()).toBeGreaterThan(0);
  });
});
