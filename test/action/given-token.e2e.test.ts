// A JWT handed over in oidc-token: its own aud is what Databricks checks, so that is what the run
// reports; an expired one is refused before any request.
import { describe, expect, it } from 'vitest';
import { SP_APPLICATION_ID, useEmulator } from './fixture.ts';

describe('a token given in oidc-token', () => {
  const fx = useEmulator();
  const SUBJECT = 'system:serviceaccount:ci:deployer';

  function given(aud: string, expiresInSeconds = 300): string {
    return fx.emulator.github.mintJwt({ sub: SUBJECT, aud }, { expiresInSeconds });
  }

  it("reports the token's own aud in the log, the audience output and the summary", async () => {
    fx.addServicePrincipalPolicy({ subject: SUBJECT, audiences: ['databricks-ci'] });
    const run = await fx.run(
      {
        host: fx.emulator.workspace.url,
        'client-id': SP_APPLICATION_ID,
        'oidc-token': given('databricks-ci'),
      },
      { withoutIdToken: true },
    );
    expect(run.errors).toEqual([]);
    expect(run.outputs['audience']).toBe('databricks-ci');
    expect(run.summary).toContain('<code>databricks-ci</code>');
    expect(run.log).toContain(
      'Audience: databricks-ci (the aud claim of the token from the oidc-token input)',
    );
  });

  it('says plainly when the audience input and the token disagree', async () => {
    fx.addServicePrincipalPolicy({ subject: SUBJECT, audiences: ['databricks-ci'] });
    const run = await fx.run(
      {
        host: fx.emulator.workspace.url,
        'client-id': SP_APPLICATION_ID,
        'oidc-token': given('databricks-ci'),
        audience: 'something-else',
      },
      { withoutIdToken: true },
    );
    expect(run.exitCode).toBe(0);
    expect(run.outputs['audience']).toBe('databricks-ci');
    expect(run.warnings).toEqual([
      'The audience input is something-else, but the token from the oidc-token input carries aud databricks-ci: Databricks checks the token, so the input changes nothing. Remove audience, or mint the token for that audience.',
    ]);
  });

  it('refuses an expired token before any request, with its expiry time', async () => {
    fx.addServicePrincipalPolicy({ subject: SUBJECT });
    const jwt = given(`${fx.emulator.workspace.url}/oidc/v1/token`, -120);
    const run = await fx.run(
      { host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID, 'oidc-token': jwt },
      { withoutIdToken: true },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^Reading inputs failed: the token from the oidc-token input expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(\d+ s ago\)\. /,
    );
    expect(run.errors[0]).not.toMatch(/policy/);
    expect(fx.emulator.requests.filter((r) => !r.path.includes('jwks'))).toEqual([]);
  });
});
