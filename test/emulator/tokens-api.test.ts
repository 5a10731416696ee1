// The emulated Token API, Token Management API, token permissions and SCIM service principals,
// over real HTTP: bookkeeping per identity, PAT authentication everywhere, settings and faults.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOB_SERVICE_PRINCIPAL, addJobPolicy, startEmulator, type Emulator } from './index.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const FIVETRAN_APP_ID = '0b0f6a52-7d55-4b8e-9c1a-3d2e1f000001';
const USER = 'dev@example.com';
const SCIM_ME = '/api/2.0/preview/scim/v2/Me';

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

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${emu.workspace.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

async function exchange(jwt: string, clientId?: string): Promise<string> {
  const form = new URLSearchParams({
    grant_type: GRANT,
    subject_token_type: JWT_TYPE,
    subject_token: jwt,
    scope: 'all-apis',
    ...(clientId ? { client_id: clientId } : {}),
  });
  const res = await fetch(`${emu.workspace.url}/oidc/v1/token`, { method: 'POST', body: form });
  expect(res.status).toBe(200);
  return String(((await res.json()) as Record<string, unknown>)['access_token']);
}

/** An OAuth token of the job's service principal (as the action gets it). */
async function jobToken(): Promise<string> {
  addJobPolicy(emu);
  const jwt = emu.github.mintJwt({ aud: `${emu.workspace.url}/oidc/v1/token` });
  return exchange(jwt, JOB_SERVICE_PRINCIPAL.applicationId);
}

/** An OAuth token of a workspace user, through account-wide federation. */
async function userToken(): Promise<string> {
  emu.policies.addAccountPolicy({ issuer: emu.github.issuer, subjectClaim: 'email' });
  emu.policies.addUser(USER);
  return exchange(emu.github.mintJwt({ aud: emu.account.accountId, email: USER }));
}

const createPat = (token: string, body: Record<string, unknown> = {}) =>
  call('POST', '/api/2.0/token/create', token, body);
const tokenValue = (a: Answer) => String(a.json['token_value']);
const tokenInfo = (a: Answer) => a.json['token_info'] as Record<string, unknown>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Token API', () => {
  it('mints a PAT that authenticates every workspace REST route until it is deleted', async () => {
    const oauth = await jobToken();
    emu.lakebase.addInstance({ name: 'shop', state: 'AVAILABLE', readWriteDns: 'db.local' });
    const before = Date.now();
    const created = await createPat(oauth, { lifetime_seconds: 3600, comment: 'gha/run/1' });
    expect(created.status).toBe(200);
    const pat = tokenValue(created);
    expect(pat).toMatch(/^dapi[0-9a-f]{32}$/);
    const info = tokenInfo(created);
    expect(info).toMatchObject({
      token_id: expect.stringMatching(/^[0-9a-f]{64}$/),
      comment: 'gha/run/1',
    });
    const creation = Number(info['creation_time']);
    expect(creation).toBeGreaterThanOrEqual(before);
    expect(info['expiry_time']).toBe(creation + 3_600_000);
    expect(emu.secrets()).toContain(pat);
    expect(emu.pats.isLive(pat)).toBe(true);
    expect(emu.pats.live(JOB_SERVICE_PRINCIPAL.applicationId)).toHaveLength(1);

    const me = await call('GET', SCIM_ME, pat);
    expect(me.status).toBe(200);
    expect(me.json['userName']).toBe(JOB_SERVICE_PRINCIPAL.applicationId);
    expect((await call('GET', '/api/2.0/database/instances/shop', pat)).status).toBe(200);
    const listed = await call('GET', '/api/2.0/token/list', pat);
    expect(listed.json['token_infos']).toEqual([info]);
    // a PAT can mint another PAT, owned by the same identity
    const second = await createPat(pat, { lifetime_seconds: 60 });
    expect(second.status).toBe(200);
    expect((await call('GET', '/api/2.0/token/list', oauth)).json['token_infos']).toHaveLength(2);

    // revoked with the PAT itself (UNCONFIRMED that Databricks allows it)
    const deleted = await call('POST', '/api/2.0/token/delete', pat, {
      token_id: info['token_id'],
    });
    expect(deleted).toMatchObject({ status: 200, json: {} });
    expect((await call('GET', SCIM_ME, pat)).status).toBe(403);
    expect(emu.pats.isLive(pat)).toBe(false);
    const again = await call('POST', '/api/2.0/token/delete', oauth, {
      token_id: info['token_id'],
    });
    expect(again.status).toBe(404);
    expect(again.json['error_code']).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(emu.pats.tokens).toHaveLength(2);
    expect(emu.pats.tokens[0]?.revokedAt).toBeInstanceOf(Date);
  });

  it('refuses a PAT once its lifetime is over; no lifetime means expiry_time -1', async () => {
    const oauth = await jobToken();
    const short = await createPat(oauth, { lifetime_seconds: 1 });
    const pat = tokenValue(short);
    expect((await call('GET', SCIM_ME, pat)).status).toBe(200);
    const forever = await createPat(oauth);
    expect(tokenInfo(forever)['expiry_time']).toBe(-1);
    await sleep(1100);
    expect((await call('GET', SCIM_ME, pat)).status).toBe(403);
    expect(emu.pats.isLive(pat)).toBe(false);
    const listed = (await call('GET', '/api/2.0/token/list', oauth)).json['token_infos'];
    expect(listed).toEqual([tokenInfo(forever)]);
  });

  it("keeps identities apart: no listing or deleting another identity's token", async () => {
    const sp = await jobToken();
    const user = await userToken();
    const spInfo = tokenInfo(await createPat(sp, { comment: 'sp' }));
    await createPat(user, { comment: 'user' });
    const userList = (await call('GET', '/api/2.0/token/list', user)).json['token_infos'];
    expect(userList).toEqual([expect.objectContaining({ comment: 'user' })]);
    const stolen = await call('POST', '/api/2.0/token/delete', user, {
      token_id: spInfo['token_id'],
    });
    expect(stolen.status).toBe(404);
    expect(emu.pats.live(JOB_SERVICE_PRINCIPAL.applicationId)).toHaveLength(1);
    expect(emu.pats.live(USER)).toHaveLength(1);
  });

  it('checks the request and the bearer', async () => {
    const oauth = await jobToken();
    expect((await createPat('dapi00000000000000000000000000000000')).status).toBe(403);
    const zero = await createPat(oauth, { lifetime_seconds: 0 });
    expect(zero.status).toBe(400);
    expect(zero.json['message']).toBe('requirement failed: Invalid timeout: 0');
    expect((await createPat(oauth, { nope: 1 })).status).toBe(400);
    expect((await call('POST', '/api/2.0/token/delete', oauth, {})).status).toBe(400);
  });

  it('reset() clears tokens and settings but keeps the values in secrets()', async () => {
    const pat = tokenValue(await createPat(await jobToken()));
    emu.pats.settings.quotaPerIdentity = 1;
    emu.reset();
    expect(emu.pats.tokens).toHaveLength(0);
    expect(emu.pats.isLive(pat)).toBe(false);
    expect(emu.pats.settings.quotaPerIdentity).toBe(600);
    expect(emu.secrets()).toContain(pat);
    expect((await call('GET', SCIM_ME, pat)).status).toBe(403);
  });
});

describe('Token Management API (on-behalf-of)', () => {
  async function adminWithPartner(): Promise<string> {
    const admin = await jobToken();
    emu.pats.addAdmin(JOB_SERVICE_PRINCIPAL.applicationId);
    emu.servicePrincipals.add({ displayName: 'FIVETRAN_USER', applicationId: FIVETRAN_APP_ID });
    return admin;
  }
  const mintObo = (token: string, body: Record<string, unknown>) =>
    call('POST', '/api/2.0/token-management/on-behalf-of/tokens', token, body);

  it('mints, lists, filters, gets and deletes tokens of a partner service principal', async () => {
    const admin = await adminWithPartner();
    const partner = emu.servicePrincipals.list().find((sp) => sp.displayName === 'FIVETRAN_USER');
    const minted = await mintObo(admin, {
      application_id: FIVETRAN_APP_ID,
      lifetime_seconds: 1_209_600,
      comment: 'Partner Connect',
    });
    expect(minted.status).toBe(200);
    const obo = tokenValue(minted);
    expect(obo).toMatch(/^dapi[0-9a-f]{32}$/);
    expect(emu.secrets()).toContain(obo);
    const info = tokenInfo(minted);
    expect(info).toMatchObject({
      comment: 'Partner Connect',
      created_by_id: Number(JOB_SERVICE_PRINCIPAL.numericId),
      created_by_username: JOB_SERVICE_PRINCIPAL.applicationId,
      owner_id: Number(partner?.id),
    });
    expect(Number(info['expiry_time']) - Number(info['creation_time'])).toBe(1_209_600_000);
    expect(emu.pats.live(FIVETRAN_APP_ID)).toEqual([expect.objectContaining({ kind: 'obo' })]);

    // the OBO token authenticates as the partner SP
    expect((await call('GET', SCIM_ME, obo)).json['displayName']).toBe('FIVETRAN_USER');
    // the admin's own PAT shows up in the workspace-wide list too
    await createPat(admin, { comment: 'own' });
    const all = (await call('GET', '/api/2.0/token-management/tokens', admin)).json['token_infos'];
    expect(all).toHaveLength(2);
    const byName = await call(
      'GET',
      `/api/2.0/token-management/tokens?created_by_username=${JOB_SERVICE_PRINCIPAL.applicationId}`,
      admin,
    );
    expect(byName.json['token_infos']).toHaveLength(2);
    const byId = await call('GET', '/api/2.0/token-management/tokens?created_by_id=1', admin);
    expect(byId.json['token_infos']).toEqual([]);

    const path = `/api/2.0/token-management/tokens/${String(info['token_id'])}`;
    expect((await call('GET', path, admin)).json['token_info']).toEqual(info);
    expect(await call('DELETE', path, admin)).toMatchObject({ status: 200, json: {} });
    expect((await call('GET', path, admin)).json['error_code']).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await call('DELETE', path, admin)).status).toBe(404);
    expect((await call('GET', SCIM_ME, obo)).status).toBe(403);
  });

  it('is for admins only, and for service principals the workspace knows', async () => {
    const admin = await adminWithPartner();
    const user = await userToken();
    const refused = await mintObo(user, { application_id: FIVETRAN_APP_ID });
    expect(refused.status).toBe(403);
    expect(refused.json['error_code']).toBe('PERMISSION_DENIED');
    expect((await call('GET', '/api/2.0/token-management/tokens', user)).status).toBe(403);
    const unknown = await mintObo(admin, {
      application_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(404);
    expect((await mintObo(admin, {})).status).toBe(400);
  });

  it("answers the known message when OBO is disabled, and Azure's where it does not exist", async () => {
    const admin = await adminWithPartner();
    emu.pats.settings.onBehalfOf = 'disabled';
    const disabled = await mintObo(admin, { application_id: FIVETRAN_APP_ID });
    expect(disabled.status).toBe(400);
    expect(disabled.json['message']).toBe(
      'On-behalf-of token creation for service principals is not enabled for this workspace',
    );
    emu.pats.settings.onBehalfOf = 'unavailable';
    const azure = await mintObo(admin, { application_id: FIVETRAN_APP_ID });
    expect(azure.status).toBe(400);
    expect(azure.json['message']).toBe('On-Behalf of tokens are not enabled for this workspace.');
    expect(emu.pats.tokens).toHaveLength(0);
  });
});

describe('SCIM ServicePrincipals', () => {
  const list = (token: string, query: string) =>
    call('GET', `/api/2.0/preview/scim/v2/ServicePrincipals?${query}`, token);

  it('filters by applicationId and displayName (eq, sw, co, and/or) and pages', async () => {
    const token = await jobToken();
    for (const name of ['FIVETRAN_USER', 'DBT_USER', 'POWERBI_USER', 'etl-bot']) {
      emu.servicePrincipals.add({ displayName: name });
    }
    const fivetran = emu.servicePrincipals.list()[0];
    const everyone = await list(token, '');
    expect(everyone.json['totalResults']).toBe(5); // four added and the job's SP from its policy
    const byApp = await list(
      token,
      new URLSearchParams({
        filter: `applicationId eq "${String(fivetran?.applicationId)}"`,
      }).toString(),
    );
    expect(byApp.json['Resources']).toEqual([
      expect.objectContaining({ id: fivetran?.id, displayName: 'FIVETRAN_USER' }),
    ]);
    expect(String(fivetran?.id)).toMatch(/^\d+$/);
    const names = async (filter: string) =>
      (
        (await list(token, new URLSearchParams({ filter }).toString())).json['Resources'] as Array<
          Record<string, unknown>
        >
      ).map((r) => r['displayName']);
    expect(await names('displayName eq "dbt_user"')).toEqual(['DBT_USER']);
    expect(await names('displayName co "_USER"')).toEqual([
      'FIVETRAN_USER',
      'DBT_USER',
      'POWERBI_USER',
    ]);
    expect(await names('displayName sw "etl" or displayName eq "DBT_USER"')).toEqual([
      'DBT_USER',
      'etl-bot',
    ]);
    expect(await names('displayName co "USER" and displayName sw "P"')).toEqual(['POWERBI_USER']);

    const page = await list(token, 'filter=displayName%20co%20%22_USER%22&startIndex=2&count=2');
    expect(page.json).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 2 });
    expect((page.json['Resources'] as unknown[]).length).toBe(2);
    const past = await list(token, 'startIndex=6&count=2');
    expect(past.json).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    const projected = await list(token, 'count=1&attributes=displayName');
    expect(projected.json['Resources']).toEqual([
      { id: fivetran?.id, displayName: 'FIVETRAN_USER' },
    ]);

    const bad = await list(token, 'filter=displayName%20gt%20%22a%22');
    expect(bad.status).toBe(400);
    expect(bad.json['scimType']).toBe('invalidFilter');
    expect(
      (await call('GET', '/api/2.0/preview/scim/v2/ServicePrincipals', undefined)).status,
    ).toBe(403);
  });
});

describe('token settings and faults', () => {
  it('tokens disabled: no creation, and existing PATs stop working until re-enabled', async () => {
    const oauth = await jobToken();
    const pat = tokenValue(await createPat(oauth));
    emu.pats.settings.tokensEnabled = false;
    const refused = await createPat(oauth);
    expect(refused.status).toBe(403);
    expect((await call('GET', SCIM_ME, pat)).status).toBe(403);
    expect((await call('GET', SCIM_ME, oauth)).status).toBe(200); // OAuth is not a PAT
    emu.pats.settings.tokensEnabled = true;
    expect((await call('GET', SCIM_ME, pat)).status).toBe(200);
  });

  it('no CAN_USE: the known PERMISSION_DENIED text; an admin PATCH grants it', async () => {
    const oauth = await jobToken();
    const user = await userToken();
    emu.pats.addAdmin(USER);
    const acl = '/api/2.0/permissions/authorization/tokens';
    const grant = {
      access_control_list: [
        {
          service_principal_name: JOB_SERVICE_PRINCIPAL.applicationId,
          permission_level: 'CAN_USE',
        },
      ],
    };
    // known quirk: no token in the workspace, no token ACL
    const quirk = await call('PATCH', acl, user, grant);
    expect(quirk).toMatchObject({ status: 404, json: { message: 'tokens tokens does not exist' } });
    await createPat(user);
    emu.pats.setCanUse(JOB_SERVICE_PRINCIPAL.applicationId, false);
    const refused = await createPat(oauth);
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: 'User does not have permission to use tokens.',
    });
    expect((await call('PATCH', acl, oauth, grant)).status).toBe(403); // not an admin
    const patched = await call('PATCH', acl, user, grant);
    expect(patched.status).toBe(200);
    expect(patched.json['access_control_list']).toContainEqual(
      expect.objectContaining({ service_principal_name: JOB_SERVICE_PRINCIPAL.applicationId }),
    );
    expect((await createPat(oauth)).status).toBe(200);
  });

  it('quota: refuses past quotaPerIdentity live tokens; deleting one frees a slot', async () => {
    const oauth = await jobToken();
    emu.pats.settings.quotaPerIdentity = 2;
    const first = tokenInfo(await createPat(oauth));
    await createPat(oauth);
    const over = await createPat(oauth);
    expect(over.status).toBe(400);
    expect(over.json['error_code']).toBe('QUOTA_EXCEEDED');
    await call('POST', '/api/2.0/token/delete', oauth, { token_id: first['token_id'] });
    expect((await createPat(oauth)).status).toBe(200);
  });

  it('maxTokenLifetimeDays: longer lifetimes refused, an omitted one capped to the maximum', async () => {
    const oauth = await jobToken();
    emu.pats.settings.maxTokenLifetimeDays = 1;
    const tooLong = await createPat(oauth, { lifetime_seconds: 86_401 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json['message']).toMatch(/maximum lifetime of 1 days/);
    expect((await createPat(oauth, { lifetime_seconds: -1 })).status).toBe(400);
    const capped = tokenInfo(await createPat(oauth));
    expect(Number(capped['expiry_time']) - Number(capped['creation_time'])).toBe(86_400_000);
  });

  it('429 with Retry-After through the fault script, without creating a token', async () => {
    const oauth = await jobToken();
    emu.faults.add('tokens.create', {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '2' },
      body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'rate limit exceeded' },
    });
    const limited = await createPat(oauth);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(emu.pats.tokens).toHaveLength(0);
    expect((await createPat(oauth)).status).toBe(200);
    expect(
      emu.requests.filter((r) => r.path === '/api/2.0/token/create').map((r) => r.fault),
    ).toEqual(['status', undefined]);
  });

  it('late-reply: the create is recorded although the client timed out', async () => {
    const oauth = await jobToken();
    emu.faults.add('tokens.create', { kind: 'late-reply' });
    const body = { comment: 'gha/run/7' };
    const aborted = await call(
      'POST',
      '/api/2.0/token/create',
      oauth,
      body,
      AbortSignal.timeout(300),
    )
      .then(() => 'answered')
      .catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(Error);
    // the server holds the token the client never saw, and lists it
    expect(emu.pats.live().map((t) => t.comment)).toEqual(['gha/run/7']);
    const listed = (await call('GET', '/api/2.0/token/list', oauth)).json['token_infos'];
    expect(listed).toEqual([expect.objectContaining({ comment: 'gha/run/7' })]);
    expect(emu.requests.filter((r) => r.path === '/api/2.0/token/create')).toHaveLength(1);
  });

  it('late-reply with ms answers the committed token after the delay', async () => {
    const oauth = await jobToken();
    emu.faults.add('tokens.create', { kind: 'late-reply', ms: 400 });
    const started = Date.now();
    const pending = createPat(oauth, { comment: 'slow' });
    await sleep(100);
    expect(emu.pats.live()).toHaveLength(1);
    const answer = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBe(200);
    expect(emu.pats.isLive(tokenValue(answer))).toBe(true);
  });
});
