// dist/cli.js on each CI as a new user meets it (issue 21): the advice names the CLI's own flags
// and variables, the CI's own mistakes, and never sends the user astray.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID, useCliEmulator } from './fixture.ts';
import { cliLeaks, jobPath, runCli, type CliRun } from './runner.ts';

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
    expect(run.stdout).toBe('');
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
  it('names a variable whose $(…) macro was not expanded, and says it was not mapped', async () => {
    const azure = fx.emulator.ci.azureDevops;
    const env = { ...azure.pipelineEnv(), SYSTEM_OIDCREQUESTURI: '$(System.OidcRequestUri)' };
    const run = await fx.run(['exchange'], env);
    expect(run.exitCode, run.stderr).toBe(4);
    expect(run.stderr).toContain(
      'SYSTEM_OIDCREQUESTURI holds "$(System.OidcRequestUri)", an Azure Pipelines macro that was not expanded',
    );
    expect(run.stderr).not.toContain('internal error');
  });

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
      const audience = aud === 'issuer' ? [k8s.issuer] : aud;
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
