import { describe, expect, it } from 'vitest';
import { requestsTo, SP_APPLICATION_ID, SP_NUMERIC_ID, useEmulator } from './fixture.ts';
import { WORKSPACE_ID } from '../emulator/databricks.ts';

describe('the bundled action against the emulator', () => {
  const fx = useEmulator();

  it('exchanges the GitHub token under a service-principal policy and hands the token over masked', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).toBe(0);
    const token = run.outputs['token'] ?? '';
    expect(fx.emulator.secrets()).toContain(token);
    expect(run.masks).toContain(token);
    expect(run.outputs['host']).toBe(fx.emulator.workspace.url);
    expect(run.outputs['audience']).toBe(`${fx.emulator.workspace.url}/oidc/v1/token`);
    const expiresIn = Date.parse(run.outputs['token-expires-at'] ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(200_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);
    expect(run.env).toMatchObject({
      DATABRICKS_HOST: fx.emulator.workspace.url,
      DATABRICKS_TOKEN: token,
    });
    const [exchange] = requestsTo(fx.emulator, 'workspace.token');
    expect(exchange?.form).toMatchObject({ client_id: SP_APPLICATION_ID, scope: 'all-apis' });
    // The JWT GitHub issued was masked too, and is what was presented.
    expect(run.masks).toContain(exchange?.form?.['subject_token']);
  });

  it('proves the token works: SCIM Me accepts it', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    const me = await fetch(`${fx.emulator.workspace.url}/api/2.0/preview/scim/v2/Me`, {
      headers: { Authorization: `Bearer ${run.outputs['token']}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { userName: string }).userName).toBe(SP_APPLICATION_ID);
  });

  it('prints the masked outputs only as masks, the claims and a summary without secrets', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.log.join('\n')).toContain(`sub=${fx.emulator.github.claims.sub}`);
    expect(run.log.join('\n')).toContain('repository=octo-org/octo-repo');
    expect(run.summary).toContain('<table>');
    expect(run.summary).toContain(SP_APPLICATION_ID);
    expect(run.summary).toContain('service principal policy');
    expect(run.stderr).toBe('');
  });

  it('omits client_id for an account-wide policy', async () => {
    const { emulator } = fx;
    emulator.policies.addUser('ci-bot@example.com');
    emulator.github.claims['email'] = 'ci-bot@example.com';
    emulator.policies.addAccountPolicy({
      issuer: emulator.github.issuer,
      audiences: [`${emulator.workspace.url}/oidc/v1/token`],
      subjectClaim: 'email',
    });
    const run = await fx.run({ host: emulator.workspace.url });
    expect(run.exitCode).toBe(0);
    const [exchange] = requestsTo(emulator, 'workspace.token');
    expect(exchange?.form).not.toHaveProperty('client_id');
    expect(run.summary).toContain('account-wide policy');
  });

  it('exchanges at the account endpoint of an account console, found through the host metadata', async () => {
    const { emulator } = fx;
    emulator.policies.addServicePrincipalPolicy({
      servicePrincipalId: SP_NUMERIC_ID,
      applicationId: SP_APPLICATION_ID,
      issuer: emulator.github.issuer,
      subject: emulator.github.claims.sub,
    });
    const accountId = emulator.account.accountId;
    // The console's metadata holds only the {account_id} template (the Go SDK's fixture): the
    // account ID must come from the settings, and nothing is exchanged without it.
    const without = await fx.run({ host: emulator.account.url, 'client-id': SP_APPLICATION_ID });
    expect(without.exitCode).toBe(1);
    expect(without.errors).toEqual([
      expect.stringContaining('is an account console, but the account ID is unknown'),
    ]);
    expect(requestsTo(emulator, 'account.token')).toHaveLength(0);
    const run = await fx.run({
      host: emulator.account.url,
      'account-id': accountId,
      'client-id': SP_APPLICATION_ID,
    });
    expect(run.exitCode).toBe(0);
    expect(requestsTo(emulator, 'account.token')).toHaveLength(1);
    expect(requestsTo(emulator, 'account.oauth-metadata')).toHaveLength(1);
    expect(run.outputs['audience']).toBe(accountId);
    expect(run.env['DATABRICKS_ACCOUNT_ID']).toBe(accountId);
  });

  it('exchanges where a unified host says, with the account audience rule, and routes workspace calls', async () => {
    const { emulator } = fx;
    emulator.workspace.metadata = { host_type: 'unified' };
    const tokenEndpoint = `${emulator.workspace.url}/oidc/accounts/${emulator.account.accountId}/v1/token`;
    fx.addServicePrincipalPolicy({ audiences: [tokenEndpoint] });
    const run = await fx.run({
      host: emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      'pat-lifetime': '600',
    });
    expect(run.exitCode, run.errors.join('\n')).toBe(0);
    expect(requestsTo(emulator, 'unified.token')).toHaveLength(1);
    expect(requestsTo(emulator, 'workspace.token')).toHaveLength(0);
    expect(run.outputs['audience']).toBe(tokenEndpoint);
    const create = requestsTo(emulator, 'tokens.create');
    expect(create.map((r) => r.headers['x-databricks-workspace-id'])).toEqual([WORKSPACE_ID]);
  });

  it('takes the audience from the host metadata', async () => {
    const { emulator } = fx;
    emulator.workspace.metadata = {
      token_federation_default_oidc_audiences: ['https://github.com/octo-org'],
    };
    fx.addServicePrincipalPolicy({ audiences: ['https://github.com/octo-org'] });
    const run = await fx.run({ host: emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['audience']).toBe('https://github.com/octo-org');
    expect(run.log.join('\n')).toContain("(the host metadata's default)");
  });

  it('uses an explicit audience', async () => {
    fx.addServicePrincipalPolicy({ audiences: ['my-audience'] });
    const run = await fx.run({
      host: fx.emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      audience: 'my-audience',
    });
    expect(run.exitCode).toBe(0);
    const [idToken] = requestsTo(fx.emulator, 'github.idtoken');
    expect(idToken?.query['audience']).toBe('my-audience');
  });

  it('exchanges a JWT given as oidc-token, without asking GitHub', async () => {
    const { emulator } = fx;
    fx.addServicePrincipalPolicy({ subject: 'system:serviceaccount:ci:deployer' });
    const jwt = emulator.github.mintJwt({
      sub: 'system:serviceaccount:ci:deployer',
      aud: `${emulator.workspace.url}/oidc/v1/token`,
    });
    const run = await fx.run(
      { host: emulator.workspace.url, 'client-id': SP_APPLICATION_ID, 'oidc-token': jwt },
      { withoutIdToken: true },
    );
    expect(run.exitCode).toBe(0);
    expect(run.masks[0]).toBe(jwt);
    expect(requestsTo(emulator, 'github.idtoken')).toHaveLength(0);
  });

  it('exports only the outputs with export-env: none', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({
      host: fx.emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      'export-env': 'none',
    });
    expect(run.exitCode).toBe(0);
    expect(run.env).toEqual({});
    expect(run.outputs['token']).toBeTruthy();
  });

  it('exports what the CLI and SDKs need to refresh themselves with export-env: oidc', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({
      host: fx.emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      'export-env': 'oidc',
    });
    expect(run.exitCode).toBe(0);
    const audience = `${fx.emulator.workspace.url}/oidc/v1/token`;
    expect(run.env).toEqual({
      DATABRICKS_HOST: fx.emulator.workspace.url,
      DATABRICKS_AUTH_TYPE: 'github-oidc',
      DATABRICKS_CLIENT_ID: SP_APPLICATION_ID,
      DATABRICKS_TOKEN_AUDIENCE: audience,
      TOKEN_AUDIENCE: audience,
    });
    expect(run.notices).toEqual([]);
  });

  it('says when a token exported as DATABRICKS_TOKEN expires', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.notices).toHaveLength(1);
    expect(run.notices[0]).toMatch(/expires at .* export-env: oidc/);
  });
});

describe('failures', () => {
  const fx = useEmulator();

  it('fails before any network call without id-token: write', async () => {
    const run = await fx.run(
      { host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID },
      { withoutIdToken: true },
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^Requesting the GitHub OIDC token failed: .*permissions: id-token: write.*forks and Dependabot/,
    );
    expect(fx.emulator.requests).toHaveLength(0);
  });

  it('explains a policy mismatch and prints the policy that would match', async () => {
    fx.addServicePrincipalPolicy({ subject: 'repo:octo-org/octo-repo:environment:prod' });
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^Exchanging the token at Databricks failed: Databricks refused the token \(HTTP 4\d\d invalid_/,
    );
    const log = run.log.join('\n');
    expect(log).toContain(`subject (sub):  ${fx.emulator.github.claims.sub}`);
    const command = run.log.find((line) =>
      line.includes('service-principal-federation-policy create'),
    );
    expect(command).toMatch(/^ {2}databricks account service-principal-federation-policy create </);
    const json = /--json '(.*)'$/.exec(command ?? '')?.[1] ?? '';
    expect(JSON.parse(json)).toEqual({
      oidc_policy: {
        issuer: fx.emulator.github.issuer,
        audiences: [`${fx.emulator.workspace.url}/oidc/v1/token`],
        subject: fx.emulator.github.claims.sub,
      },
    });
    expect(log).toMatch(/numeric ID.*not its application ID/);
    expect(requestsTo(fx.emulator, 'workspace.token')).toHaveLength(1);
  });

  it('retries after 429 with Retry-After and after 503', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.faults.add('workspace.token', {
      kind: 'status',
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { error: 'slow_down' },
    });
    fx.emulator.faults.add('workspace.token', { kind: 'status', status: 503 });
    const started = Date.now();
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).toBe(0);
    expect(requestsTo(fx.emulator, 'workspace.token')).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(run.log.filter((line) => line.startsWith('Token exchange: HTTP'))).toHaveLength(2);
  });

  it('does not retry another 4xx', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.faults.add('workspace.token', {
      kind: 'status',
      status: 401,
      body: { error: 'invalid_client', error_description: 'unknown client' },
    });
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toContain('HTTP 401 invalid_client: unknown client');
    expect(requestsTo(fx.emulator, 'workspace.token')).toHaveLength(1);
  });

  it('refuses to follow a redirect of the exchange', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.faults.add('workspace.token', {
      kind: 'redirect',
      status: 307,
      location: 'https://evil.test/steal',
    });
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toMatch(
      /redirect \(HTTP 307 to https:\/\/evil\.test\/steal\), which is never followed/,
    );
    expect(requestsTo(fx.emulator, 'workspace.token')).toHaveLength(1);
  });

  it('neutralises a workflow command injected in a server error', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.faults.add('workspace.token', {
      kind: 'status',
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'nope\n::add-mask::octo\n::error::injected%0A::warning::x',
      },
    });
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.warnings).toEqual([]);
    expect(run.masks).not.toContain('octo');
    expect(run.stdout).not.toMatch(/^\s*::(add-mask|warning)::(octo|x)/m);
  });

  it.each([
    ['https://x@evil.test', /user info/],
    ['https://dbc.cloud.databricks.com/path?q', /query|path/],
    ['http://dbc.cloud.databricks.com', /https/],
  ])('refuses host %j before any request', async (host, message) => {
    const run = await fx.run({ host, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/^Reading inputs failed: host /);
    expect(run.errors[0]).toMatch(message);
    expect(fx.emulator.requests).toHaveLength(0);
  });

  it.each(['5581763342009999', 'not-a-uuid'])(
    'refuses client-id %j before any request',
    async (clientId) => {
      const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': clientId });
      expect(run.exitCode).not.toBe(0);
      expect(run.errors[0]).toMatch(/^Reading inputs failed: client-id .* is not a UUID/);
      expect(fx.emulator.requests).toHaveLength(0);
    },
  );
});

describe('loose ends at the edge', () => {
  const fx = useEmulator();

  it.each(['GITHUB_OUTPUT', 'GITHUB_ENV'])(
    'refuses without %s instead of printing secrets as ::set-output/::set-env',
    async (name) => {
      fx.addServicePrincipalPolicy();
      const run = await fx.run(
        { host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID },
        { env: { [name]: '' } },
      );
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([
        expect.stringMatching(/^Writing outputs failed: the runner did not provide/),
      ]);
      expect(run.stdout).not.toMatch(/::set-(output|env)/);
      expect(fx.emulator.requests).toEqual([]);
    },
  );

  it('still sets outputs and succeeds when the summary cannot be written', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run(
      { host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID },
      { env: { GITHUB_STEP_SUMMARY: '/nonexistent/dir/summary' } },
    );
    expect(run.exitCode).toBe(0);
    expect(run.outputs['token']).toBeTruthy();
    expect(run.warnings).toEqual([expect.stringMatching(/job summary could not be written/)]);
  });
});
