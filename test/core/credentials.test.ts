// The core's flow in one process, against the emulator on 127.0.0.1: the target it resolves, the
// audience it asks for and presents, the token it gets, and Lakebase off and on. No bundle, no
// child process: the sources and transport the edges use (GitHub's token service, a given token).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTransport,
  gitHubActionsSource,
  givenToken,
  obtainCredentials,
  parseConfig,
  SecretRegistry,
  systemClock,
  type Config,
  type CoreDeps,
  type Credentials,
  type LogSink,
  type SubjectTokenSource,
} from '../../src/core/index.ts';
import { ConfigurationError } from '../../src/core/errors.ts';
import { ExchangeRefusedError } from '../../src/core/databricks/exchange.ts';
import {
  addJobPolicy,
  JOB_SERVICE_PRINCIPAL,
  requestsTo,
  startEmulator,
  type Emulator,
} from '../emulator/index.ts';

const CLIENT_ID = JOB_SERVICE_PRINCIPAL.applicationId;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

function config(settings: Record<string, string>): Config {
  return parseConfig((name) => settings[name] ?? '');
}

interface Run {
  lines: string[];
  secrets: SecretRegistry;
  obtain: () => Promise<Credentials>;
}

/** The flow with the edges' own transport, a registry and a log that keeps its lines. */
function flow(
  settings: Record<string, string>,
  source: (secrets: SecretRegistry) => SubjectTokenSource,
): Run {
  const lines: string[] = [];
  const secrets = new SecretRegistry(() => undefined);
  const log: LogSink = {
    info: (line) => lines.push(line),
    notice: (line) => lines.push(line),
    warning: (line) => lines.push(line),
  };
  const obtain = async (): Promise<Credentials> => {
    const transport = createTransport('databricks-oidc-test');
    const deps: CoreDeps = {
      transport,
      clock: systemClock,
      log,
      secrets,
      subjectToken: source(secrets),
    };
    try {
      return await obtainCredentials(config(settings), deps);
    } finally {
      transport.dispose();
    }
  };
  return { lines, secrets, obtain };
}

const github = (secrets: SecretRegistry): SubjectTokenSource =>
  gitHubActionsSource(
    { url: emulator.github.requestUrl, token: emulator.github.requestToken },
    secrets,
  );

const tokenEndpoint = (): string => `${emulator.workspace.url}/oidc/v1/token`;

describe('obtainCredentials with the GitHub source', () => {
  it("exchanges a JWT for the workspace token endpoint's audience at that endpoint", async () => {
    addJobPolicy(emulator);
    const run = flow({ host: emulator.workspace.url, 'client-id': CLIENT_ID }, github);
    const credentials = await run.obtain();

    expect(credentials.target).toMatchObject({
      kind: 'workspace',
      tokenEndpoint: tokenEndpoint(),
      audience: tokenEndpoint(),
      audienceSource: 'token endpoint',
    });
    expect(credentials.target.host.url).toBe(emulator.workspace.url);
    expect(credentials.clientId).toBe(CLIENT_ID);
    expect(credentials.claims?.sub).toBe(emulator.github.claims.sub);
    expect(credentials.database).toBeUndefined();

    const [jwtRequest] = requestsTo(emulator, 'github.idtoken');
    expect(jwtRequest?.query['audience']).toBe(tokenEndpoint());
    const [exchange] = requestsTo(emulator, 'workspace.token');
    expect(exchange?.form).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      client_id: CLIENT_ID,
      scope: 'all-apis',
    });
    const issued = emulator.issuedTokens.map((t) => t.token);
    expect(issued).toEqual([credentials.token.accessToken]);
    expect(credentials.token.expiresAt?.getTime()).toBeGreaterThan(Date.now());
  });

  it('asks GitHub for the audience input, and presents it', async () => {
    addJobPolicy(emulator, { audiences: ['my-audience'] });
    const run = flow(
      { host: emulator.workspace.url, 'client-id': CLIENT_ID, audience: 'my-audience' },
      github,
    );
    const credentials = await run.obtain();
    expect(credentials.target).toMatchObject({ audience: 'my-audience', audienceSource: 'input' });
    expect(requestsTo(emulator, 'github.idtoken')[0]?.query['audience']).toBe('my-audience');
    expect(credentials.claims?.aud).toBe('my-audience');
    expect(run.lines).toContain('Audience: my-audience (from the audience input)');
  });

  it('registers the JWT and the token as secrets before they could reach a log', async () => {
    addJobPolicy(emulator);
    const run = flow({ host: emulator.workspace.url, 'client-id': CLIENT_ID }, github);
    const { token } = await run.obtain();
    expect(run.secrets.sanitise(`token ${token.accessToken}`)).not.toContain(token.accessToken);
    for (const secret of emulator.secrets().filter((s) => s.length > 8))
      for (const line of run.lines) expect(line).not.toContain(secret);
  });

  it('fails with the refusal and its diagnosis when no policy trusts the job', async () => {
    const run = flow({ host: emulator.workspace.url, 'client-id': CLIENT_ID }, github);
    const refusal = await run.obtain().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ExchangeRefusedError);
    expect((refusal as ExchangeRefusedError).status).toBe(401);
    expect(run.lines.join('\n')).toContain(emulator.github.claims.sub);
    expect(emulator.issuedTokens).toEqual([]);
  });
});

describe('obtainCredentials with a given token', () => {
  it('presents the token as given, with its own aud as the audience', async () => {
    const gitlab = emulator.ci.gitlab;
    const jwt = gitlab.mintJwt({ aud: 'gitlab-aud' });
    emulator.policies.addServicePrincipalPolicy({
      servicePrincipalId: JOB_SERVICE_PRINCIPAL.numericId,
      applicationId: CLIENT_ID,
      issuer: gitlab.issuer,
      subject: gitlab.claims.sub,
      audiences: ['gitlab-aud'],
    });
    const run = flow({ host: emulator.workspace.url, 'client-id': CLIENT_ID }, () =>
      givenToken(jwt, 'DATABRICKS_OIDC_TOKEN'),
    );
    const credentials = await run.obtain();
    expect(credentials.target).toMatchObject({ audience: 'gitlab-aud', audienceSource: 'token' });
    expect(credentials.claims).toMatchObject({ iss: gitlab.issuer, sub: gitlab.claims.sub });
    expect(requestsTo(emulator, 'workspace.token')[0]?.form?.['subject_token']).toBe(jwt);
    expect(requestsTo(emulator, 'github.idtoken')).toEqual([]);
    expect(run.lines).toContain(
      'Audience: gitlab-aud (the aud claim of the token from DATABRICKS_OIDC_TOKEN)',
    );
  });

  it('refuses an expired token before any request', async () => {
    const jwt = emulator.ci.gitlab.mintJwt({ aud: 'a' }, { expiresInSeconds: -60 });
    const run = flow({ host: emulator.workspace.url }, () => givenToken(jwt, 'the test'));
    await expect(run.obtain()).rejects.toThrow(/the token from the test expired at/);
    expect(emulator.requests.filter((r) => r.server !== 'ci')).toEqual([]);
  });

  it('exchanges account-wide at an account console', async () => {
    const jwt = emulator.github.mintJwt({ aud: emulator.account.accountId });
    emulator.policies.addAccountPolicy({ issuer: emulator.github.issuer });
    emulator.policies.addUser(emulator.github.claims.sub);
    const run = flow({ host: emulator.account.url, 'account-id': emulator.account.accountId }, () =>
      givenToken(jwt, 'the test'),
    );
    const credentials = await run.obtain();
    expect(credentials.target.kind).toBe('account');
    expect(credentials.target.tokenEndpoint).toBe(
      `${emulator.account.url}/oidc/accounts/${emulator.account.accountId}/v1/token`,
    );
    expect(credentials.clientId).toBeUndefined();
    expect(requestsTo(emulator, 'account.token')).toHaveLength(1);
    expect(requestsTo(emulator, 'workspace.token')).toEqual([]);
  });
});

describe('obtainCredentials with Lakebase', () => {
  it('makes no Lakebase request without a Lakebase setting', async () => {
    addJobPolicy(emulator);
    await flow({ host: emulator.workspace.url, 'client-id': CLIENT_ID }, github).obtain();
    expect(emulator.requests.filter((r) => r.route?.startsWith('lakebase.'))).toEqual([]);
  });

  it("mints a credential for the instance with the exchanged token, for the job's identity", async () => {
    addJobPolicy(emulator);
    emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: 'orders.db.example',
    });
    const run = flow(
      { host: emulator.workspace.url, 'client-id': CLIENT_ID, 'lakebase-instance': 'orders-db' },
      github,
    );
    const { database, token } = await run.obtain();
    const [minted] = emulator.lakebase.credentials;
    expect(minted).toMatchObject({ kind: 'instance', target: 'orders-db' });
    expect(database).toMatchObject({
      host: 'orders.db.example',
      port: 5432,
      database: 'databricks_postgres',
      user: minted?.userName,
      password: minted?.token,
    });
    const [request] = requestsTo(emulator, 'lakebase.instance-credential');
    expect(request?.headers['authorization']).toBe(`Bearer ${token.accessToken}`);
    expect(run.secrets.sanitise(database?.password ?? '')).not.toContain(minted?.token);
  });

  it('mints a credential for an Autoscaling endpoint, for the TTL asked', async () => {
    addJobPolicy(emulator);
    const name = 'projects/shop/branches/main/endpoints/primary';
    emulator.lakebase.addEndpoint({ name, state: 'ACTIVE', host: 'primary.db.example' });
    const run = flow(
      {
        host: emulator.workspace.url,
        'client-id': CLIENT_ID,
        'lakebase-endpoint': name,
        'lakebase-ttl': '900',
        'lakebase-database': 'shop',
      },
      github,
    );
    const { database } = await run.obtain();
    const [minted] = emulator.lakebase.credentials;
    expect(minted).toMatchObject({ kind: 'endpoint', target: name });
    expect(database).toMatchObject({
      host: 'primary.db.example',
      database: 'shop',
      password: minted?.token,
    });
    const [request] = requestsTo(emulator, 'lakebase.endpoint-credential');
    expect(request?.json).toMatchObject({ endpoint: name, ttl: '900s' });
  });

  it('refuses Lakebase at an account console before any exchange', async () => {
    const run = flow(
      {
        host: emulator.account.url,
        'account-id': emulator.account.accountId,
        'lakebase-instance': 'orders-db',
      },
      github,
    );
    const error = await run.obtain().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).stage).toBe('lakebase');
    expect(requestsTo(emulator, 'account.token')).toEqual([]);
  });
});
