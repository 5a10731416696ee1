// Keyless rotation from dist/cli.js: `obo mint` then `obo prune` over several runs, as a scheduled
// pipeline on any CI would run them. Every run is leak-scanned (the minted token may only be in the
// hand-off on stdout).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestsTo } from '../emulator/index.ts';
import { CLIENT_ID, useCliEmulator } from './fixture.ts';

const fx = useCliEmulator();

/** The rotating identity (the job's service principal) is a workspace admin; the partner exists. */
function setUp(): { env: Record<string, string>; partner: string } {
  fx.emulator.pats.addAdmin(CLIENT_ID);
  const sp = fx.emulator.servicePrincipals.add({ displayName: 'FIVETRAN_USER' });
  return { env: fx.gitlabJob(), partner: sp.applicationId };
}

const handedOff = (stdout: string): Record<string, string> =>
  JSON.parse(stdout) as Record<string, string>;

async function mint(env: Record<string, string>, extra: string[] = []) {
  return fx.run(
    ['obo', 'mint', '--application-id', 'FIVETRAN_USER', '--format', 'json', ...extra],
    env,
    (r) => (r.exitCode === 0 ? [handedOff(r.stdout)['DATABRICKS_OBO_TOKEN'] ?? ''] : []),
  );
}

interface PruneJson {
  application_id: string;
  dry_run: boolean;
  kept: Array<{ token_id: string; comment: string }>;
  deleted?: Array<{ token_id: string }>;
  would_delete?: Array<{ token_id: string }>;
  untouched: Array<{ token_id: string; comment: string }>;
}

/** `obo prune --json` that succeeds: its plan. */
async function pruneJson(
  env: Record<string, string>,
  partner: string,
  extra: string[],
): Promise<PruneJson> {
  const prune = await fx.run(
    ['obo', 'prune', '--application-id', partner, ...extra, '--json'],
    env,
  );
  expect(prune.exitCode, prune.stderr).toBe(0);
  return JSON.parse(prune.stdout) as PruneJson;
}

/** The original Partner Connect token: unmarked, made by an admin outside this rotation. */
async function partnerConnectToken(env: Record<string, string>, partner: string): Promise<string> {
  // Its cache elsewhere: the later runs' scan of fx.dir must not find the admin's OAuth token.
  const cache = await mkdtemp(join(tmpdir(), 'cli-admin-'));
  const oauth = await fx.run(['token'], { ...env, XDG_RUNTIME_DIR: cache }, (r) => [
    r.stdout.trim(),
  ]);
  const response = await fetch(
    `${fx.emulator.workspace.url}/api/2.0/token-management/on-behalf-of/tokens`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${oauth.stdout.trim()}` },
      body: JSON.stringify({ application_id: partner, comment: 'Partner Connect' }),
    },
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { token_info: { token_id: string } }).token_info.token_id;
}

describe('obo mint and obo prune', () => {
  it('keep the newest two marked tokens over several runs; the unmarked original survives', async () => {
    const { env, partner } = setUp();
    const original = await partnerConnectToken(env, partner);
    const minted: string[] = [];
    for (let run = 0; run < 4; run++) {
      const result = await mint(env, ['--comment', 'rotated-by:group/repo']);
      expect(result.exitCode, result.stderr).toBe(0);
      const out = handedOff(result.stdout);
      expect(out['DATABRICKS_OBO_APPLICATION_ID']).toBe(partner);
      expect(fx.emulator.pats.isLive(out['DATABRICKS_OBO_TOKEN'] ?? '')).toBe(true);
      expect(Object.keys(out)).not.toContain('DATABRICKS_TOKEN');
      minted.push(out['DATABRICKS_OBO_TOKEN_ID'] ?? '');
      const plan = await pruneJson(env, partner, ['--comment', 'rotated-by:group/repo']);
      expect(plan.kept.map((t) => t.token_id)).toEqual(minted.slice(-2).reverse());
      expect(plan.deleted?.map((t) => t.token_id)).toEqual(run >= 2 ? [minted[run - 2]] : []);
      expect(plan.untouched.map((t) => t.token_id)).toEqual([original]);
    }
    const live = fx.emulator.pats.live(partner).map((t) => t.tokenId);
    expect(live.sort()).toEqual([original, ...minted.slice(2)].sort());
  });

  it('prune claims no token of a rotation whose marker only starts with its own, and keeps per marker', async () => {
    const { env, partner } = setUp();
    const ids = async (comment: string): Promise<string> =>
      handedOff((await mint(env, ['--comment', comment])).stdout)['DATABRICKS_OBO_TOKEN_ID'] ?? '';
    const mine = await ids('rotated-by:acme');
    const staging = [await ids('rotated-by:acme staging'), await ids('rotated-by:acme staging')];
    const plan = await pruneJson(env, partner, ['--comment', 'rotated-by:acme', '--keep', '1']);
    expect(plan.kept.map((t) => t.token_id)).toEqual([mine]);
    expect(plan.deleted).toEqual([]);
    expect(plan.untouched.map((t) => t.token_id).sort()).toEqual([...staging].sort());
    expect(fx.emulator.pats.live(partner)).toHaveLength(3);
  });

  it('a dry run deletes nothing and lists what it would delete', async () => {
    const { env, partner } = setUp();
    for (let run = 0; run < 3; run++) expect((await mint(env)).exitCode).toBe(0);
    const dry = await fx.run(
      ['obo', 'prune', '--application-id', 'FIVETRAN_USER', '--keep', '1', '--dry-run'],
      env,
    );
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(requestsTo(fx.emulator, 'token-management.delete')).toEqual([]);
    expect(fx.emulator.pats.live(partner)).toHaveLength(3);
    expect(dry.stdout).toContain('dry run, nothing deleted');
    expect(dry.stdout.match(/^would delete /gm)).toHaveLength(2);
    expect(dry.stdout.match(/^kept /gm)).toHaveLength(1);
  });

  it('adopts the unmarked token only when asked', async () => {
    const { env, partner } = setUp();
    await partnerConnectToken(env, partner);
    await mint(env);
    const result = await fx.run(
      ['obo', 'prune', '--application-id', partner, '--adopt-unmanaged', '--json'],
      env,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const live = fx.emulator.pats.live(partner);
    expect(live.map((t) => t.comment.startsWith('rotated-by:databricks-oidc '))).toEqual([true]);
  });

  it('mint with --format shell masks nothing it cannot, and hands the token only to stdout', async () => {
    const { env, partner } = setUp();
    const run = await fx.run(
      ['obo', 'mint', '--application-id', partner, '--format', 'shell'],
      env,
      (r) => [/DATABRICKS_OBO_TOKEN='([^']+)'/.exec(r.stdout)?.[1] ?? ''],
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^export DATABRICKS_OBO_TOKEN_ID='[0-9a-f]+'$/m);
    expect(run.stderr).toContain('cannot mask values at run time');
  });

  it('mint with --format azure sets the token secret before the line that carries it', async () => {
    const { env, partner } = setUp();
    const run = await fx.run(
      ['obo', 'mint', '--application-id', partner, '--format', 'azure'],
      { ...env, TF_BUILD: 'True' },
      (r) => [/DATABRICKS_OBO_TOKEN;issecret=true\](\S+)/.exec(r.stdout)?.[1] ?? ''],
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const token = /^##vso\[task\.setsecret\](.+)$/.exec(lines[0] ?? '')?.[1] ?? '';
    expect(fx.emulator.pats.isLive(token)).toBe(true);
    const carrying = lines.findIndex((line) =>
      line.startsWith('##vso[task.setvariable variable=DATABRICKS_OBO_TOKEN;'),
    );
    expect(lines[carrying]).toBe(
      `##vso[task.setvariable variable=DATABRICKS_OBO_TOKEN;issecret=true]${token}`,
    );
    expect(lines.slice(1).filter((line) => line.includes(token))).toEqual([lines[carrying]]);
  });

  it('says what is missing, refuses bad numbers, and exits 5 on Azure with the alternative', async () => {
    const { env, partner } = setUp();
    const none = await fx.run(['obo', 'mint'], env);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('application-id is not set');
    const keep = await fx.run(['obo', 'prune', '--application-id', partner, '--keep', '0'], env);
    expect(keep.exitCode).toBe(2);
    expect(keep.stderr).toContain('obo-keep "0" is not a whole number from 1');
    const stray = await fx.run(['obo', 'mint', '--application-id', partner, '--dry-run'], env);
    expect(stray.exitCode).toBe(2);
    expect(stray.stderr).toContain('unknown flag --dry-run for obo mint');
    expect(fx.exchanges()).toBe(0);
    fx.emulator.pats.settings.onBehalfOf = 'unavailable';
    const azure = await mint(env);
    expect(azure.exitCode).toBe(5);
    expect(azure.stderr).toContain('not on Azure');
    expect(azure.stdout).toBe('');
  });
});
