import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from './index.ts';

const SP_ID = '5581763342009999';
const CLIENT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
});

function decodePart(jwt: string, index: 0 | 1): Record<string, unknown> {
  const part = jwt.split('.')[index] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function requestJwt(audience?: string, encode = true): Promise<string> {
  const suffix =
    audience === undefined ? '' : `&audience=${encode ? encodeURIComponent(audience) : audience}`;
  const res = await fetch(`${emu.github.requestUrl}${suffix}`, {
    headers: { authorization: `bearer ${emu.github.requestToken}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { count: number; value: string };
  expect(body.count).toBe(1);
  return body.value;
}

function exchangeForm(subjectToken: string, extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    grant_type: GRANT,
    subject_token_type: JWT_TYPE,
    subject_token: subjectToken,
    scope: 'all-apis',
    ...extra,
  });
}

async function post(
  url: string,
  body: string | URLSearchParams,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

const workspaceToken = () => `${emu.workspace.url}/oidc/v1/token`;
const accountToken = () => `${emu.account.url}/oidc/accounts/${emu.account.accountId}/v1/token`;

function addSpPolicy(overrides: { subject?: string; audiences?: string[] } = {}): void {
  emu.policies.addServicePrincipalPolicy({
    servicePrincipalId: SP_ID,
    applicationId: CLIENT_ID,
    issuer: emu.github.issuer,
    subject: overrides.subject ?? emu.github.claims.sub,
    ...(overrides.audiences ? { audiences: overrides.audiences } : {}),
  });
}

async function spAccessToken(): Promise<string> {
  addSpPolicy();
  const jwt = await requestJwt(emu.account.accountId);
  const res = await post(workspaceToken(), exchangeForm(jwt, { client_id: CLIENT_ID }));
  expect(res.status).toBe(200);
  return String(res.json['access_token']);
}

function getWithToken(path: string, token: string) {
  return fetch(`${emu.workspace.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('GitHub OIDC token request', () => {
  it('issues an RS256 JWT with GitHub claims and timing for the requested audience', async () => {
    const jwt = await requestJwt('https://example.com/aud x');
    const header = decodePart(jwt, 0);
    const claims = decodePart(jwt, 1);
    expect(header).toMatchObject({ typ: 'JWT', alg: 'RS256' });
    expect(header['kid']).toEqual(expect.any(String));
    expect(header['x5t']).toEqual(expect.any(String));
    expect(claims).toMatchObject({
      iss: emu.github.issuer,
      aud: 'https://example.com/aud x',
      sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
      repository: 'octo-org/octo-repo',
    });
    const iat = Number(claims['iat']);
    expect(claims['nbf']).toBe(iat - 600);
    expect(claims['exp']).toBe(iat + 300);
    expect(emu.secrets()).toContain(jwt);
  });

  it('accepts an unencoded audience and defaults the audience to the owner URL', async () => {
    const unencoded = await requestJwt('https://github.com/octo-org/extra', false);
    expect(decodePart(unencoded, 1)['aud']).toBe('https://github.com/octo-org/extra');
    expect(decodePart(await requestJwt(), 1)['aud']).toBe('https://github.com/octo-org');
  });

  it('uses the current (mutable) claims', async () => {
    emu.github.claims.sub = 'repo:octo-org/octo-repo:environment:prod';
    emu.github.claims.environment = 'prod';
    const claims = decodePart(await requestJwt('a'), 1);
    expect(claims).toMatchObject({
      sub: 'repo:octo-org/octo-repo:environment:prod',
      environment: 'prod',
    });
    emu.reset();
    expect(emu.github.claims.sub).toBe('repo:octo-org/octo-repo:ref:refs/heads/main');
  });

  it('answers 401 without or with a wrong bearer token, 404 for an unknown job', async () => {
    const none = await fetch(`${emu.github.requestUrl}&audience=a`);
    expect(none.status).toBe(401);
    expect(await none.json()).toHaveProperty('message');
    const wrong = await fetch(`${emu.github.requestUrl}&audience=a`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const otherJob = emu.github.requestUrl.replace(
      /jobs\/[^/]+/,
      'jobs/00000000-0000-0000-0000-000000000000',
    );
    const missing = await fetch(otherJob, {
      headers: { authorization: `Bearer ${emu.github.requestToken}` },
    });
    expect(missing.status).toBe(404);
  });

  it('publishes discovery and a JWKS that verifies its tokens', async () => {
    const discovery = (await (
      await fetch(`${emu.github.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: emu.github.issuer,
      jwks_uri: `${emu.github.issuer}/.well-known/jwks`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = (await (await fetch(String(discovery['jwks_uri']))).json()) as {
      keys: Array<JsonWebKey & { kid: string }>;
    };
    const jwt = await requestJwt('a');
    const key = jwks.keys.find((k) => k.kid === decodePart(jwt, 0)['kid']);
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const publicKey = createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))).toBe(
      true,
    );
  });
});

describe('service-principal federation', () => {
  it('exchanges a matching JWT for a short-lived access token', async () => {
    addSpPolicy();
    const jwt = await requestJwt(emu.account.accountId);
    const res = await post(workspaceToken(), exchangeForm(jwt, { client_id: CLIENT_ID }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json).toMatchObject({
      token_type: 'Bearer',
      scope: 'all-apis',
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    expect(res.json['expires_in']).toBeGreaterThan(290);
    expect(res.json['expires_in']).toBeLessThanOrEqual(300);
    expect(emu.secrets()).toContain(res.json['access_token']);
    expect(emu.issuedTokens[0]).toMatchObject({ userName: CLIENT_ID, host: 'workspace' });
    const recorded = emu.requests.find((r) => r.path === '/oidc/v1/token');
    expect(recorded?.form).toMatchObject({ client_id: CLIENT_ID, scope: 'all-apis' });
  });

  it('fetches the JWKS over HTTP from the issuer and caches it', async () => {
    addSpPolicy();
    for (let i = 0; i < 2; i++) {
      const jwt = await requestJwt(emu.account.accountId);
      expect(
        (await post(workspaceToken(), exchangeForm(jwt, { client_id: CLIENT_ID }))).status,
      ).toBe(200);
    }
    const jwksFetches = emu.requests.filter(
      (r) => r.server === 'github' && r.path === '/.well-known/jwks',
    );
    expect(jwksFetches).toHaveLength(1);
  });

  it('also works at the account token endpoint', async () => {
    addSpPolicy();
    const jwt = await requestJwt(emu.account.accountId);
    const res = await post(accountToken(), exchangeForm(jwt, { client_id: CLIENT_ID }));
    expect(res.status).toBe(200);
    const unknown = await post(
      `${emu.account.url}/oidc/accounts/11111111-2222-3333-4444-555555555555/v1/token`,
      exchangeForm(jwt, { client_id: CLIENT_ID }),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json).toHaveProperty('error');
  });

  it.each([
    [
      'a different subject',
      () => emu.github.mintJwt({ sub: 'repo:octo-org/octo-repo:pull_request' }),
    ],
    ['a different audience', () => emu.github.mintJwt({ aud: 'https://github.com/octo-org' })],
    [
      'a different issuer',
      () => emu.github.mintJwt({ iss: 'https://token.actions.githubusercontent.com' }),
    ],
  ])('rejects a JWT with %s: 400 invalid_request, no matching policy', async (_what, mint) => {
    addSpPolicy();
    const res = await post(workspaceToken(), exchangeForm(mint(), { client_id: CLIENT_ID }));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'invalid_request',
      error_description: 'Token exchange failed: no matching federation policy',
    });
  });

  it('matches audiences from the policy and any element of an aud array', async () => {
    addSpPolicy({ audiences: ['https://github.com/octo-org'] });
    const ok = emu.github.mintJwt({ aud: 'https://github.com/octo-org' });
    expect((await post(workspaceToken(), exchangeForm(ok, { client_id: CLIENT_ID }))).status).toBe(
      200,
    );
    const arr = emu.github.mintJwt({ aud: ['x', 'https://github.com/octo-org'] } as never);
    expect((await post(workspaceToken(), exchangeForm(arr, { client_id: CLIENT_ID }))).status).toBe(
      200,
    );
    const accountAud = emu.github.mintJwt({ aud: emu.account.accountId });
    const res = await post(workspaceToken(), exchangeForm(accountAud, { client_id: CLIENT_ID }));
    expect(res.status).toBe(400);
  });

  it('rejects a bad signature, an expired JWT and an unknown client', async () => {
    addSpPolicy();
    const aud = { aud: emu.account.accountId };
    const foreign = emu.github.mintJwt(aud, { signWithForeignKey: true });
    const bad = await post(workspaceToken(), exchangeForm(foreign, { client_id: CLIENT_ID }));
    expect(bad.status).toBe(400);
    expect(bad.json['error_description']).toMatch(/signature/);
    const expired = emu.github.mintJwt(aud, { expiresInSeconds: -5 });
    const late = await post(workspaceToken(), exchangeForm(expired, { client_id: CLIENT_ID }));
    expect(late.json['error_description']).toMatch(/expired/);
    const jwt = emu.github.mintJwt(aud);
    const stranger = await post(
      workspaceToken(),
      exchangeForm(jwt, { client_id: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(stranger.status).toBe(401);
    expect(stranger.json['error']).toBe('invalid_client');
  });
});

describe('account-wide federation', () => {
  it('authenticates as the known user named by the subject claim, without client_id', async () => {
    emu.policies.addAccountPolicy({ issuer: emu.github.issuer, subjectClaim: 'email' });
    emu.policies.addUser('dev@example.com');
    const jwt = emu.github.mintJwt({ aud: emu.account.accountId, email: 'dev@example.com' });
    for (const url of [workspaceToken(), accountToken()]) {
      const res = await post(url, exchangeForm(jwt));
      expect(res.status).toBe(200);
    }
    const token = String(emu.issuedTokens[0]?.token);
    const me = (await (await getWithToken('/api/2.0/preview/scim/v2/Me', token)).json()) as Record<
      string,
      unknown
    >;
    expect(me).toMatchObject({ userName: 'dev@example.com', active: true });
    expect(me['id']).toMatch(/^\d+$/);
  });

  it('rejects a subject that is not a known user', async () => {
    emu.policies.addAccountPolicy({ issuer: emu.github.issuer });
    const res = await post(workspaceToken(), exchangeForm(await requestJwt(emu.account.accountId)));
    expect(res.status).toBe(400);
    expect(res.json['error']).toBe('invalid_request');
  });
});

describe('token endpoint form checks', () => {
  const cases: Array<
    [string, (jwt: string) => { body: string; headers?: Record<string, string> }, RegExp]
  > = [
    ['client_secret', (j) => ({ body: `${exchangeForm(j)}&client_secret=s` }), /client_secret/],
    ['a repeated field', (j) => ({ body: `${exchangeForm(j)}&scope=sql` }), /'scope' is repeated/],
    ['an unknown field', (j) => ({ body: `${exchangeForm(j)}&audience=x` }), /'audience'/],
    [
      'no scope',
      (j) => ({
        body: exchangeForm(j)
          .toString()
          .replace(/&scope=[^&]*/, ''),
      }),
      /'scope'/,
    ],
    [
      'an unknown scope',
      (j) => ({ body: exchangeForm(j, { scope: 'all-apis nope' }).toString() }),
      /nope/,
    ],
    [
      'a wrong grant_type',
      (j) => ({ body: exchangeForm(j, { grant_type: 'client_credentials' }).toString() }),
      /grant_type/,
    ],
    [
      'a wrong subject_token_type',
      (j) => ({ body: exchangeForm(j, { subject_token_type: 'jwt' }).toString() }),
      /subject_token_type/,
    ],
    ['no subject_token', () => ({ body: exchangeForm('').toString() }), /subject_token/],
    [
      'a JSON body',
      (j) => ({
        body: JSON.stringify({ subject_token: j }),
        headers: { 'content-type': 'application/json' },
      }),
      /Content-Type/,
    ],
    [
      'an Authorization header',
      (j) => ({ body: exchangeForm(j).toString(), headers: { authorization: 'Basic eDp5' } }),
      /Authorization/,
    ],
  ];
  it.each(cases)('rejects %s with 400 invalid_request', async (_what, build, description) => {
    addSpPolicy();
    const { body, headers = {} } = build(await requestJwt(emu.account.accountId));
    const res = await post(workspaceToken(), body, {
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    });
    expect(res.status).toBe(400);
    expect(res.json['error']).toBe('invalid_request');
    expect(res.json['error_description']).toMatch(description);
    expect(emu.issuedTokens).toHaveLength(0);
  });
});

describe('SCIM Me', () => {
  it('answers the identity of an issued token and the recorded 403 for a foreign one', async () => {
    const token = await spAccessToken();
    const me = await getWithToken('/api/2.0/preview/scim/v2/Me', token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: SP_ID, userName: CLIENT_ID, active: true });
    const foreign = await getWithToken('/api/2.0/preview/scim/v2/Me', 'dapi0123456789abcdef');
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({ error_code: 403, message: 'Invalid access token.' });
    expect((await fetch(`${emu.workspace.url}/api/2.0/preview/scim/v2/Me`)).status).toBe(403);
  });
});

describe('workspace metadata', () => {
  it('serves host metadata merged with overrides, or 404 when absent', async () => {
    emu.workspace.metadata = { token_federation_default_oidc_audiences: ['aud-1'] };
    const res = await fetch(`${emu.workspace.url}/.well-known/databricks-config`);
    expect(await res.json()).toMatchObject({
      host_type: 'workspace',
      workspace_id: expect.stringMatching(/^\d+$/),
      oidc_endpoint: `${emu.workspace.url}/oidc`,
      account_id: emu.account.accountId,
      token_federation_default_oidc_audiences: ['aud-1'],
    });
    emu.workspace.metadata = 'absent';
    expect((await fetch(`${emu.workspace.url}/.well-known/databricks-config`)).status).toBe(404);
    const oauth = await fetch(`${emu.workspace.url}/oidc/.well-known/oauth-authorization-server`);
    expect(await oauth.json()).toMatchObject({ token_endpoint: workspaceToken() });
  });
});

describe('host shapes of the SDK fixtures', () => {
  it("serves an account console only the templated oidc_endpoint, as the Go SDK's fixture", async () => {
    const res = await fetch(`${emu.account.url}/.well-known/databricks-config`);
    expect(await res.json()).toEqual({
      host_type: 'account',
      oidc_endpoint: `${emu.account.url}/oidc/accounts/{account_id}`,
    });
  });

  it('answers the account-scoped OIDC paths on a unified host only', async () => {
    const path = `/oidc/accounts/${emu.account.accountId}/.well-known/oauth-authorization-server`;
    expect((await fetch(`${emu.workspace.url}${path}`)).status).toBe(404);
    emu.workspace.metadata = { host_type: 'unified' };
    const meta = (await (
      await fetch(`${emu.workspace.url}/.well-known/databricks-config`)
    ).json()) as Record<string, unknown>;
    expect(meta['oidc_endpoint']).toBe(`${emu.workspace.url}/oidc/accounts/{account_id}`);
    const oauth = (await (await fetch(`${emu.workspace.url}${path}`)).json()) as Record<
      string,
      unknown
    >;
    expect(oauth['token_endpoint']).toBe(
      `${emu.workspace.url}/oidc/accounts/${emu.account.accountId}/v1/token`,
    );
  });
});

describe('Lakebase', () => {
  const credentialBody = (requestId: string) =>
    JSON.stringify({ request_id: requestId, instance_names: ['db1'] });

  it('returns the same credential for a repeated request_id, minted and recorded once', async () => {
    const token = await spAccessToken();
    emu.lakebase.addInstance({ name: 'db1', state: 'AVAILABLE', readWriteDns: 'db1.example.test' });
    const seen: string[] = [];
    emu.lakebase.onCredential = async (c) => {
      seen.push(c.token);
    };
    const url = `${emu.workspace.url}/api/2.0/database/credentials`;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const [a, b] = await Promise.all([
      post(url, credentialBody('r-1'), auth),
      post(url, credentialBody('r-1'), auth),
    ]);
    const c = await post(url, credentialBody('r-1'), auth);
    expect(a.status).toBe(200);
    expect(b.json['token']).toBe(a.json['token']);
    expect(c.json['token']).toBe(a.json['token']);
    expect(emu.lakebase.credentials).toHaveLength(1);
    expect(emu.lakebase.credentials[0]).toMatchObject({
      userName: CLIENT_ID,
      kind: 'instance',
      target: 'db1',
      requestId: 'r-1',
    });
    expect(seen).toEqual([a.json['token']]);
    expect(emu.secrets()).toContain(a.json['token']);
    const fresh = await post(url, credentialBody('r-2'), auth);
    expect(fresh.json['token']).not.toBe(a.json['token']);
  });

  it('reports instance state progress, 404 for unknown, 403 for denied users', async () => {
    const token = await spAccessToken();
    emu.lakebase.addInstance({
      name: 'db1',
      state: 'STARTING',
      readWriteDns: 'h',
      becomesAvailableAfterGets: 1,
    });
    emu.lakebase.addInstance({
      name: 'db2',
      state: 'AVAILABLE',
      readWriteDns: 'h',
      deniedUsers: [CLIENT_ID],
    });
    const states: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      states.push(
        (
          (await (await getWithToken('/api/2.0/database/instances/db1', token)).json()) as Record<
            string,
            unknown
          >
        )['state'],
      );
    }
    expect(states).toEqual(['STARTING', 'AVAILABLE']);
    const missing = await getWithToken('/api/2.0/database/instances/nope', token);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error_code: 'NOT_FOUND',
      message: "Database instance 'nope' does not exist.",
    });
    const denied = await post(
      `${emu.workspace.url}/api/2.0/database/credentials`,
      JSON.stringify({ instance_names: ['db2'] }),
      {
        authorization: `Bearer ${token}`,
      },
    );
    expect(denied.status).toBe(403);
    expect(denied.json['error_code']).toBe('PERMISSION_DENIED');
    expect((await getWithToken('/api/2.0/database/instances/db1', 'bogus')).status).toBe(403);
  });

  it('serves endpoints and validates the credential ttl', async () => {
    const token = await spAccessToken();
    const name = 'projects/p/branches/b/endpoints/e';
    emu.lakebase.addEndpoint({ name, state: 'IDLE', host: 'ep.example.test' });
    const ep = await getWithToken(`/api/2.0/postgres/${name}`, token);
    expect(await ep.json()).toMatchObject({
      name,
      status: { current_state: 'IDLE', hosts: { host: 'ep.example.test' } },
    });
    const url = `${emu.workspace.url}/api/2.0/postgres/credentials`;
    const auth = { authorization: `Bearer ${token}` };
    for (const ttl of ['299s', '3601s', '1h', 900]) {
      const res = await post(url, JSON.stringify({ endpoint: name, ttl }), auth);
      expect(res.status).toBe(400);
      expect(res.json['error_code']).toBe('INVALID_PARAMETER_VALUE');
    }
    const before = Date.now();
    const ok = await post(url, JSON.stringify({ endpoint: name, ttl: '900s' }), auth);
    expect(ok.status).toBe(200);
    const expire = Date.parse(String(ok.json['expire_time']));
    expect(expire - before).toBeGreaterThanOrEqual(899_000);
    expect(expire - before).toBeLessThan(905_000);
    const unknown = await post(
      url,
      JSON.stringify({ endpoint: 'projects/p/branches/b/endpoints/x', ttl: '900s' }),
      auth,
    );
    expect(unknown.status).toBe(404);
  });
});

describe('faults', () => {
  const metadataUrl = () => `${emu.workspace.url}/.well-known/databricks-config`;

  it('consumes faults per route in FIFO order and records them', async () => {
    emu.faults.add(
      'workspace.metadata',
      { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
      2,
    );
    emu.faults.add('workspace.metadata', { kind: 'html', status: 502 });
    const first = await fetch(metadataUrl());
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect((await fetch(metadataUrl())).status).toBe(429);
    const html = await fetch(metadataUrl());
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(metadataUrl())).status).toBe(200);
    expect(emu.requests.map((r) => r.fault)).toEqual(['status', 'status', 'html', undefined]);
  });

  it('resets the connection, or cuts the body short', async () => {
    emu.faults.add('workspace.metadata', { kind: 'reset' });
    await expect(fetch(metadataUrl())).rejects.toThrow();
    emu.faults.add('workspace.metadata', { kind: 'reset-mid-body' });
    const res = await fetch(metadataUrl());
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('hangs, delays and trickles', async () => {
    emu.faults.add('workspace.metadata', { kind: 'hang' });
    await expect(fetch(metadataUrl(), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    emu.faults.add('workspace.metadata', { kind: 'delay', ms: 200 });
    let started = Date.now();
    expect((await fetch(metadataUrl())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    emu.faults.add('workspace.metadata', { kind: 'trickle', bytesPerSecond: 500 });
    started = Date.now();
    const body = await (await fetch(metadataUrl())).json();
    expect(body).toHaveProperty('host_type');
    expect(Date.now() - started).toBeGreaterThan(200);
  });

  it('answers throttling, malformed JSON, arbitrary JSON and redirects', async () => {
    addSpPolicy();
    emu.faults.add('workspace.token', { kind: 'throttled' });
    emu.faults.add('workspace.token', { kind: 'malformed-json' });
    emu.faults.add('workspace.token', {
      kind: 'json',
      status: 200,
      body: { token_type: 'Bearer' },
    });
    emu.faults.add('workspace.token', { kind: 'redirect', location: 'http://127.0.0.1:9/x' });
    const form = () =>
      exchangeForm(emu.github.mintJwt({ aud: emu.account.accountId }), { client_id: CLIENT_ID });
    const throttled = await post(workspaceToken(), form());
    expect(throttled.status).toBe(400);
    expect(throttled.json['error_description']).toBe('Temporarily throttled, too many requests');
    const malformed = await post(workspaceToken(), form());
    expect(() => JSON.parse(malformed.text) as unknown).toThrow();
    expect((await post(workspaceToken(), form())).json).toEqual({ token_type: 'Bearer' });
    const redirect = await fetch(workspaceToken(), {
      method: 'POST',
      body: form(),
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('http://127.0.0.1:9/x');
    expect(emu.issuedTokens).toHaveLength(0);
    expect((await post(workspaceToken(), form())).status).toBe(200);
  });

  it('makes the exchange fail when the issuer JWKS cannot be fetched', async () => {
    addSpPolicy();
    emu.faults.add('github.jwks', { kind: 'status', status: 503 });
    const jwt = emu.github.mintJwt({ aud: emu.account.accountId });
    const res = await post(workspaceToken(), exchangeForm(jwt, { client_id: CLIENT_ID }));
    expect(res.status).toBe(400);
    expect(res.json['error_description']).toMatch(/signing keys/);
  });

  it('adds latency to every answer', async () => {
    emu.setLatency(150);
    const started = Date.now();
    await fetch(metadataUrl());
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After: 1 above the configured exchange rate', async () => {
    const limited = await startEmulator({ rateLimit: { exchangesPerSecond: 2 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${limited.workspace.url}/oidc/v1/token`, {
          method: 'POST',
          body: 'x=1',
        });
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers.get('retry-after')).toBe('1');
      }
      expect(statuses).toEqual([400, 400, 429]);
    } finally {
      await limited.close();
    }
  });
});
