// dist/cli.js on each CI as a new user meets it (issue 21): the advice names the CLI's own flags
// and variables, the CI's own mistakes, and never sends the user astray.
import { describe, expect, it } from 'vitest';
import { useCliEmulator } from './fixture.ts';
import { jobPath } from './runner.ts';

const fx = useCliEmulator();

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
    const run = await fx.run(['exchange', '--audience', circle.orgId, '--format', 'json'], env, (r) => [
      String((JSON.parse(r.stdout || '{}') as Record<string, string>)['DATABRICKS_TOKEN']),
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('Token source: CircleCI (CIRCLE_OIDC_TOKEN_V2)');
    expect(run.stderr).not.toContain('circleci run oidc get');
  });
});
