// The job-scoped PAT end to end: minted by the bundled main step, revoked by the bundled post step
// run as a separate process with the STATE_* variables the main step saved, as the runner does.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { requestsTo } from '../emulator/index.ts';
import { findLeaks } from '../support/leaks.ts';
import { runAction, type ActionRun } from './runner.ts';
import { SP_APPLICATION_ID, useEmulator } from './fixture.ts';

describe('a job-scoped PAT', () => {
  const fx = useEmulator();
  const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
    host: fx.emulator.workspace.url,
    'client-id': SP_APPLICATION_ID,
    ...extra,
  });

  /** The post stage of the same step: same inputs, the main step's state, the OIDC variables. */
  async function post(main: ActionRun, given: Record<string, string>): Promise<ActionRun> {
    const { github } = fx.emulator;
    const run = await runAction(given, {
      idToken: { url: github.requestUrl, token: github.requestToken },
      post: { state: main.state },
    });
    expect(findLeaks(run, [...fx.emulator.secrets(), github.requestToken])).toEqual([]);
    return run;
  }

  async function meStatus(token: string): Promise<number> {
    const me = await fetch(`${fx.emulator.workspace.url}/api/2.0/preview/scim/v2/Me`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return me.status;
  }

  // The body of a successful token/delete is in no public source (contract audit C5): every SDK
  // accepts any 2xx, an empty one too, and so must the post step.
  it.each(['empty-200', 'no-content'] as const)(
    'is revoked by the post step when token/delete answers %s',
    async (answer) => {
      fx.addServicePrincipalPolicy();
      fx.emulator.pats.settings.deleteAnswer = answer;
      const given = inputs({ 'pat-lifetime': '600' });
      const main = await fx.run(given);
      expect(main.exitCode).toBe(0);
      const after = await post(main, given);
      expect(after.exitCode, after.errors.join('\n')).toBe(0);
      expect(after.log.join('\n')).toContain('revoked with the PAT itself');
      expect(requestsTo(fx.emulator, 'tokens.delete')).toHaveLength(1);
      expect(fx.emulator.pats.isLive(main.outputs['pat'] ?? '')).toBe(false);
    },
  );

  it('counts a PAT that is already dead (403 Invalid access token.) as gone, with no fresh exchange', async () => {
    fx.addServicePrincipalPolicy();
    const given = inputs({ 'pat-lifetime': '600' });
    const main = await fx.run(given);
    expect(main.exitCode).toBe(0);
    // Revoked behind the job's back (a sweep, an admin): its own bearer is now dead.
    const revoked = await fetch(`${fx.emulator.workspace.url}/api/2.0/token/delete`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${main.outputs['pat'] ?? ''}` },
      body: JSON.stringify({ token_id: main.outputs['pat-id'] }),
    });
    expect(revoked.status).toBe(200);
    const exchanges = requestsTo(fx.emulator, 'workspace.token').length;
    const after = await post(main, given);
    expect(after.exitCode, after.errors.join('\n')).toBe(0);
    expect(after.log.join('\n')).toContain('is already gone');
    expect(requestsTo(fx.emulator, 'tokens.delete').at(-1)?.headers['authorization']).toBe(
      `Bearer ${main.outputs['pat'] ?? ''}`,
    );
    expect(requestsTo(fx.emulator, 'workspace.token')).toHaveLength(exchanges);
  });

  it('is minted, masked, exported as DATABRICKS_TOKEN, and gone after the post step', async () => {
    fx.addServicePrincipalPolicy();
    const given = inputs({ 'pat-lifetime': '3600' });
    const main = await fx.run(given, {
      env: { GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'build' },
    });
    expect(main.exitCode).toBe(0);
    const pat = main.outputs['pat'] ?? '';
    expect(pat).toMatch(/^dapi/);
    expect(main.masks).toContain(pat);
    expect(main.env['DATABRICKS_TOKEN']).toBe(pat);
    expect(main.log.join('\n')).toContain('DATABRICKS_TOKEN is the job-scoped PAT');
    const [record] = fx.emulator.pats.live(SP_APPLICATION_ID);
    expect(record?.tokenId).toBe(main.outputs['pat-id']);
    expect(record?.comment).toBe('gha/octo-org/octo-repo/run/42/2/build');
    expect(Date.parse(main.outputs['pat-expires-at'] ?? '')).toBe(record?.expiresAt?.getTime());
    expect(main.state['pat-id']).toBe(record?.tokenId);
    expect(await meStatus(pat)).toBe(200);

    const after = await post(main, given);
    expect(after.exitCode).toBe(0);
    expect(after.log.join('\n')).toContain('revoked with the PAT itself');
    expect(after.summary).toContain(`PAT <code>${record?.tokenId}</code> revoked`);
    expect(fx.emulator.pats.isLive(pat)).toBe(false);
    expect(await meStatus(pat)).toBe(403);
  });

  it('post does nothing when no PAT was minted', async () => {
    fx.addServicePrincipalPolicy();
    const main = await fx.run(inputs());
    expect(main.exitCode).toBe(0);
    expect(main.state).toEqual({});
    expect(main.outputs['pat']).toBeUndefined();
    const after = await post(main, inputs());
    expect(after.exitCode).toBe(0);
    expect(after.log.join('\n')).toContain('nothing to revoke');
    expect(requestsTo(fx.emulator, 'tokens.delete')).toEqual([]);
    expect(requestsTo(fx.emulator, 'workspace.token')).toHaveLength(1);
  });

  it('post counts an already expired PAT as revoked', async () => {
    fx.addServicePrincipalPolicy();
    const given = inputs({ 'pat-lifetime': '1' });
    const main = await fx.run(given);
    expect(main.exitCode).toBe(0);
    await sleep(1500);
    expect(fx.emulator.pats.isLive(main.outputs['pat'] ?? '')).toBe(false);
    const after = await post(main, given);
    expect(after.exitCode).toBe(0);
    expect(after.summary).toContain('had already expired');
  });

  it('post falls back to a fresh exchange when the PAT may not revoke itself', async () => {
    fx.addServicePrincipalPolicy();
    const given = inputs({ 'pat-lifetime': '3600' });
    const main = await fx.run(given);
    fx.emulator.faults.add('tokens.delete', {
      kind: 'status',
      status: 403,
      body: { error_code: 'PERMISSION_DENIED', message: 'A token may not delete itself.' },
    });
    const after = await post(main, given);
    expect(after.exitCode).toBe(0);
    expect(after.log.join('\n')).toContain('revoked with a fresh exchange');
    expect(requestsTo(fx.emulator, 'tokens.delete')).toHaveLength(2);
    expect(requestsTo(fx.emulator, 'workspace.token')).toHaveLength(2);
    expect(fx.emulator.pats.isLive(main.outputs['pat'] ?? '')).toBe(false);
  });

  it('post that cannot revoke fails, names the token and the command, and leaks nothing', async () => {
    fx.addServicePrincipalPolicy();
    const given = inputs({ 'pat-lifetime': '3600' });
    const main = await fx.run(given);
    const id = main.outputs['pat-id'] ?? '';
    fx.emulator.faults.add('tokens.delete', { kind: 'late-reply' }, Infinity);
    const after = await post(main, given);
    expect(after.exitCode).not.toBe(0);
    expect(after.errors).toHaveLength(1);
    expect(after.errors[0]).toContain(`the job-scoped PAT ${id} was not revoked`);
    expect(after.errors[0]).toContain(`databricks tokens delete ${id}`);
    expect(after.summary).toContain('was NOT revoked');
    // The deadline ended it: the delete never answered (the server did act, but could not say so).
    expect(after.errors[0]).toMatch(/deadline passed|did not succeed/);
  });

  it('post refused with the PAT and with a fresh exchange fails and leaves it live', async () => {
    fx.addServicePrincipalPolicy();
    const given = inputs({ 'pat-lifetime': '3600' });
    const main = await fx.run(given);
    fx.emulator.faults.add(
      'tokens.delete',
      { kind: 'status', status: 403, body: { error_code: 'PERMISSION_DENIED', message: 'no' } },
      Infinity,
    );
    const after = await post(main, given);
    expect(after.exitCode).not.toBe(0);
    expect(after.errors[0]).toContain('both the PAT and a freshly exchanged token were refused');
    expect(after.errors[0]).toContain(`databricks tokens delete ${main.outputs['pat-id']}`);
    expect(fx.emulator.pats.isLive(main.outputs['pat'] ?? '')).toBe(true);
  });

  it('a run that fails after minting still leaves the PAT for post to revoke', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.pats.addAdmin(SP_APPLICATION_ID);
    fx.emulator.pats.settings.onBehalfOf = 'unavailable';
    const partner = fx.emulator.servicePrincipals.add({ displayName: 'FIVETRAN_USER' });
    const given = inputs({ 'pat-lifetime': '3600', 'obo-application-id': partner.applicationId });
    const main = await fx.run(given);
    expect(main.exitCode).not.toBe(0);
    const [record] = fx.emulator.pats.live(SP_APPLICATION_ID);
    expect(main.state['pat-id']).toBe(record?.tokenId);
    const after = await post(main, given);
    expect(after.exitCode).toBe(0);
    expect(fx.emulator.pats.live(SP_APPLICATION_ID)).toEqual([]);
  });

  it('pat-revoke: false leaves it valid and still prints its id and expiry', async () => {
    fx.addServicePrincipalPolicy();
    const given = inputs({ 'pat-lifetime': '600', 'pat-revoke': 'false' });
    const main = await fx.run(given);
    expect(main.state['pat-value']).toBeUndefined();
    const after = await post(main, given);
    expect(after.exitCode).toBe(0);
    expect(after.notices.join('\n')).toContain(main.outputs['pat-id']);
    expect(after.notices.join('\n')).toContain(main.outputs['pat-expires-at']);
    expect(fx.emulator.pats.isLive(main.outputs['pat'] ?? '')).toBe(true);
  });

  it('a create that timed out after the server recorded it is not repeated', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.faults.add('tokens.create', { kind: 'late-reply' });
    const main = await fx.run(inputs({ 'pat-lifetime': '3600' }));
    expect(main.exitCode).not.toBe(0);
    expect(main.errors[0]).toContain('it is not repeated because the server may have done it');
    expect(requestsTo(fx.emulator, 'tokens.create')).toHaveLength(1);
    expect(fx.emulator.pats.live(SP_APPLICATION_ID)).toHaveLength(1);
    expect(main.outputs['pat']).toBeUndefined();
  });

  it('a create throttled with Retry-After is retried, and one PAT results', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.faults.add('tokens.create', {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'rate limit exceeded' },
    });
    const main = await fx.run(inputs({ 'pat-lifetime': '3600' }));
    expect(main.exitCode).toBe(0);
    expect(requestsTo(fx.emulator, 'tokens.create')).toHaveLength(2);
    expect(fx.emulator.pats.live(SP_APPLICATION_ID)).toHaveLength(1);
  });

  it('a 503 without Retry-After is not retried', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.faults.add('tokens.create', { kind: 'status', status: 503 });
    const main = await fx.run(inputs({ 'pat-lifetime': '3600' }));
    expect(main.exitCode).not.toBe(0);
    expect(requestsTo(fx.emulator, 'tokens.create')).toHaveLength(1);
  });

  it('explains each refusal with its fix', async () => {
    fx.addServicePrincipalPolicy();
    const { settings } = fx.emulator.pats;
    const cases: Array<[() => void, string, string]> = [
      [() => (settings.tokensEnabled = false), 'disabled in this workspace', 'Settings > Advanced'],
      [
        () => fx.emulator.pats.setCanUse(SP_APPLICATION_ID, false),
        'no Can Use permission',
        `PATCH /api/2.0/permissions/authorization/tokens with {"access_control_list":[{"service_principal_name":"${SP_APPLICATION_ID}","permission_level":"CAN_USE"}]}`,
      ],
      [() => (settings.quotaPerIdentity = 0), '600 per identity', 'Sweep'],
      [() => (settings.maxTokenLifetimeDays = 0.01), 'over the workspace maximum', 'Lower'],
    ];
    for (const [arrange, problem, fix] of cases) {
      fx.emulator.reset();
      fx.addServicePrincipalPolicy();
      arrange();
      const main = await fx.run(inputs({ 'pat-lifetime': '3600' }));
      expect(main.exitCode, problem).not.toBe(0);
      expect(main.errors[0], problem).toMatch(/^Minting the job-scoped PAT failed: /);
      expect(main.errors[0], problem).toContain(problem);
      expect(main.errors[0], problem).toContain(fix);
    }
  });

  it('is refused on an account console before the exchange', async () => {
    const main = await fx.run({
      host: fx.emulator.account.url,
      'account-id': fx.emulator.account.accountId,
      'pat-lifetime': '3600',
    });
    expect(main.exitCode).not.toBe(0);
    expect(main.errors[0]).toContain('exist only in a workspace');
    expect(requestsTo(fx.emulator, 'account.token')).toEqual([]);
  });

  it('refuses 0 and over a day unless allowed', async () => {
    for (const lifetime of ['0', '-5', '86401']) {
      const main = await fx.run(inputs({ 'pat-lifetime': lifetime }));
      expect(main.exitCode, lifetime).not.toBe(0);
      expect(main.errors[0], lifetime).toMatch(/^Reading inputs failed: pat-lifetime/);
    }
    expect(fx.emulator.requests).toEqual([]);
  });

  it('keeps a client that cannot refresh working after the OAuth token expired, because it is the PAT', async () => {
    fx.addServicePrincipalPolicy();
    const { emulator } = fx;
    const audience = `${emulator.workspace.url}/oidc/v1/token`;
    const jwt = emulator.github.mintJwt({ aud: audience }, { expiresInSeconds: 50 });
    const main = await fx.run(inputs({ 'pat-lifetime': '600', 'oidc-token': jwt }), {
      withoutIdToken: true,
    });
    expect(main.exitCode).toBe(0);
    const oauth = main.outputs['token'] ?? '';
    const expiresAt = Date.parse(main.outputs['token-expires-at'] ?? '');
    await sleep(Math.max(0, expiresAt - Date.now()) + 1500);
    // The "client": a plain HTTPS caller that only knows DATABRICKS_TOKEN and never refreshes.
    expect(await meStatus(oauth)).toBe(403);
    expect(await meStatus(main.env['DATABRICKS_TOKEN'] ?? '')).toBe(200);
  }, 90_000);
});
