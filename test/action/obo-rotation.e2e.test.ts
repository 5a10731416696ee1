// Keyless rotation of a partner service principal's tokens: mint an on-behalf-of token, then prune
// the older ones of the same marker, over several runs of the bundled action.
import { describe, expect, it } from 'vitest';
import { requestsTo } from '../emulator/index.ts';
import { SP_APPLICATION_ID, useEmulator } from './fixture.ts';

describe('on-behalf-of token rotation', () => {
  const fx = useEmulator();

  function setUp() {
    fx.addServicePrincipalPolicy();
    fx.emulator.pats.addAdmin(SP_APPLICATION_ID);
    return fx.emulator.servicePrincipals.add({ displayName: 'FIVETRAN_USER' });
  }

  const rotate = (extra: Record<string, string>) =>
    fx.run({
      host: fx.emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      'export-env': 'none',
      ...extra,
    });

  /** The original Partner Connect token: unmarked, made by an admin outside this rotation. */
  async function partnerConnectToken(applicationId: string): Promise<void> {
    const run = await rotate({});
    const response = await fetch(
      `${fx.emulator.workspace.url}/api/2.0/token-management/on-behalf-of/tokens`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${run.outputs['token']}` },
        body: JSON.stringify({ application_id: applicationId, comment: 'Partner Connect' }),
      },
    );
    expect(response.status).toBe(200);
  }

  it('keeps the newest two marked tokens over several runs; the unmarked original survives', async () => {
    const fivetran = setUp();
    await partnerConnectToken(fivetran.applicationId);
    const minted: string[] = [];
    for (let run = 0; run < 4; run++) {
      const result = await rotate({
        'obo-application-id': 'FIVETRAN_USER',
        'obo-prune': fivetran.applicationId,
      });
      expect(result.exitCode).toBe(0);
      const token = result.outputs['obo-token'] ?? '';
      expect(result.masks).toContain(token);
      expect(Object.values(result.env).join('\n')).not.toContain(token);
      minted.push(result.outputs['obo-token-id'] ?? '');
    }
    const live = fx.emulator.pats.live(fivetran.applicationId);
    expect(live.map((t) => t.comment).filter((c) => c === 'Partner Connect')).toHaveLength(1);
    expect(
      live
        .filter((t) => t.comment !== 'Partner Connect')
        .map((t) => t.tokenId)
        .sort(),
    ).toEqual(minted.slice(2).sort());
    expect(
      live.every(
        (t) =>
          t.comment === 'Partner Connect' || t.comment.startsWith('rotated-by:octo-org/octo-repo '),
      ),
    ).toBe(true);
  });

  it('a dry run deletes nothing and lists what it would delete', async () => {
    const fivetran = setUp();
    for (let run = 0; run < 3; run++)
      await rotate({ 'obo-application-id': fivetran.applicationId });
    const before = fx.emulator.pats.live(fivetran.applicationId).map((t) => t.tokenId);
    expect(before).toHaveLength(3);
    const dry = await rotate({
      'obo-prune': 'FIVETRAN_USER',
      'obo-keep': '1',
      'obo-dry-run': 'true',
    });
    expect(dry.exitCode).toBe(0);
    expect(requestsTo(fx.emulator, 'token-management.delete')).toEqual([]);
    expect(fx.emulator.pats.live(fivetran.applicationId)).toHaveLength(3);
    expect(dry.log.join('\n')).toContain('would delete (dry run)');
    expect(dry.summary).toContain('OBO would delete');
  });

  it('adopts the unmarked token only when asked', async () => {
    const fivetran = setUp();
    await partnerConnectToken(fivetran.applicationId);
    await rotate({ 'obo-application-id': fivetran.applicationId });
    const result = await rotate({
      'obo-prune': fivetran.applicationId,
      'obo-adopt-unmanaged': 'true',
    });
    expect(result.exitCode).toBe(0);
    const live = fx.emulator.pats.live(fivetran.applicationId);
    expect(live.map((t) => t.comment.startsWith('rotated-by:'))).toEqual([true]);
  });

  it('says so on Azure, and points to the self-token alternative', async () => {
    const fivetran = setUp();
    fx.emulator.pats.settings.onBehalfOf = 'unavailable';
    const result = await rotate({ 'obo-application-id': fivetran.applicationId });
    expect(result.exitCode).not.toBe(0);
    expect(result.errors[0]).toMatch(/^Rotating on-behalf-of tokens failed: /);
    expect(result.errors[0]).toContain('not on Azure');
    expect(result.errors[0]).toContain('self-token alternative');
  });

  it('names an unknown service principal', async () => {
    setUp();
    const result = await rotate({ 'obo-application-id': 'NOBODY_USER' });
    expect(result.exitCode).not.toBe(0);
    expect(result.errors[0]).toContain('no service principal has displayName "NOBODY_USER"');
  });
});
