// A job-scoped PAT from dist/cli.js: exec hands it to the child and revokes it when the child exits;
// exchange hands it off and `pat revoke` removes it from a later step. Every run is leak-scanned.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestsTo } from '../emulator/index.ts';
import { CLIENT_ID, useCliEmulator } from './fixture.ts';

const fx = useCliEmulator();

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Prints the hash of the token it was given and its PAT id, then exits with `code`. */
const childPrinting = (code: number): string[] => [
  process.execPath,
  '-e',
  `const t = process.env.DATABRICKS_TOKEN; process.stdout.write(require('node:crypto').createHash('sha256').update(t).digest('hex') + ' ' + process.env.DATABRICKS_PAT_ID + ' ' + t.startsWith('dapi')); process.exit(${code})`,
];

async function meStatus(token: string): Promise<number> {
  const me = await fetch(`${fx.emulator.workspace.url}/api/2.0/preview/scim/v2/Me`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return me.status;
}

/** The one PAT this test minted, from the emulator's bookkeeping. */
function onlyPat() {
  const [record, ...more] = fx.emulator.pats.tokens;
  expect(more).toEqual([]);
  if (record === undefined) throw new Error('no PAT was minted');
  return record;
}

describe('exec --pat-lifetime', () => {
  it('gives the child the PAT as DATABRICKS_TOKEN and revokes it when the child exits', async () => {
    const env = fx.gitlabJob();
    const run = await fx.run(['exec', '--pat-lifetime', '600', '--', ...childPrinting(0)], env);
    expect(run.exitCode, run.stderr).toBe(0);
    const record = onlyPat();
    expect(record.comment).toBe(
      `gitlab/${env['CI_PROJECT_PATH']}/run/${env['CI_PIPELINE_ID']}/unknown/${env['CI_JOB_ID']}`,
    );
    expect(run.stdout).toBe(`${sha256(record.value)} ${record.tokenId} true`);
    expect(record.ownerUserName).toBe(CLIENT_ID);
    expect((record.expiresAt?.getTime() ?? 0) - record.createdAt.getTime()).toBe(600_000);
    expect(run.stderr).toContain(
      `The job-scoped PAT ${record.tokenId} is revoked with the PAT itself`,
    );
    expect(fx.emulator.pats.isLive(record.value)).toBe(false);
    expect(await meStatus(record.value)).toBe(403);
  });

  it('names an HCP Terraform run in the comment, as detection names the CI (not "local")', async () => {
    const tfc = fx.emulator.ci.terraformCloud;
    const aud = fx.tokenEndpoint();
    fx.trust(tfc, [aud]);
    const env = tfc.jobEnv(aud, 'DATABRICKS');
    const run = await fx.run(['exec', '--pat-lifetime', '600', '--', ...childPrinting(0)], env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(onlyPat().comment).toBe(
      `tfc/${env['TFC_WORKSPACE_SLUG']}/run/${env['TFC_RUN_ID']}/unknown/unknown`,
    );
  });

  it('names the job after the CI --ci chooses, not another CI whose variables are also set', async () => {
    const env = { ...fx.gitlabJob(), CIRCLECI: 'true', CIRCLE_BUILD_NUM: '99' };
    const run = await fx.run(
      ['exec', '--ci', 'gitlab', '--pat-lifetime', '600', '--', ...childPrinting(0)],
      env,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(onlyPat().comment).toMatch(/^gitlab\//);
  });

  it("revokes it when the child fails, and keeps the child's exit code", async () => {
    const run = await fx.run(
      ['exec', '--pat-lifetime', '600', '--', ...childPrinting(3)],
      fx.gitlabJob(),
    );
    expect(run.exitCode).toBe(3);
    expect(fx.emulator.pats.isLive(onlyPat().value)).toBe(false);
  });

  it('revokes it when the child is signalled through the CLI', async () => {
    const run = await fx.execSignalled(['--pat-lifetime', '600'], fx.gitlabJob());
    expect(run.exitCode).toBe(42);
    expect(fx.emulator.pats.isLive(onlyPat().value)).toBe(false);
    expect(run.stderr).toContain('is revoked with the PAT itself');
    expect(run.stderr).not.toContain(onlyPat().value);
  });

  it('falls back to a fresh exchange when the PAT may not revoke itself', async () => {
    fx.emulator.faults.add('tokens.delete', {
      kind: 'status',
      status: 403,
      body: { error_code: 'PERMISSION_DENIED', message: 'A token may not delete itself.' },
    });
    const run = await fx.run(['exec', '--pat-lifetime', '600', '--', 'true'], fx.gitlabJob());
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('revoked with a fresh exchange');
    expect(fx.exchanges()).toBe(2);
    expect(fx.emulator.pats.isLive(onlyPat().value)).toBe(false);
  });

  it('is loud when the PAT cannot be revoked: token id and commands on stderr, and a failed run', async () => {
    const refused = { error_code: 'PERMISSION_DENIED', message: 'Token deletion is not allowed.' };
    fx.emulator.faults.add(
      'tokens.delete',
      { kind: 'status', status: 403, body: refused },
      Infinity,
    );
    const ok = await fx.run(['exec', '--pat-lifetime', '600', '--', 'true'], fx.gitlabJob());
    const record = onlyPat();
    expect(ok.exitCode).toBe(5);
    expect(ok.stderr).toContain(`the job-scoped PAT ${record.tokenId} was not revoked`);
    expect(ok.stderr).toContain(`databricks tokens delete ${record.tokenId}`);
    expect(ok.stderr).toContain(`databricks-oidc pat revoke --token-id ${record.tokenId}`);
    expect(fx.emulator.pats.isLive(record.value)).toBe(true);
    // A failed child keeps its own code; the PAT is still named.
    const failed = await fx.run(
      ['exec', '--pat-lifetime', '600', '--', 'sh', '-c', 'exit 9'],
      fx.gitlabJob(),
    );
    expect(failed.exitCode).toBe(9);
    expect(failed.stderr).toContain('was not revoked');
  });

  it('exits 6, not 5, when the PAT is left valid by a transient failure', async () => {
    fx.emulator.faults.add('tokens.delete', { kind: 'status', status: 503 }, Infinity);
    const run = await fx.run(['exec', '--pat-lifetime', '600', '--', 'true'], fx.gitlabJob());
    expect(run.exitCode, run.stderr).toBe(6);
    expect(run.stderr).toContain(`the job-scoped PAT ${onlyPat().tokenId} was not revoked`);
    expect(run.stderr).toContain('did not succeed after 2 attempts');
    expect(fx.emulator.pats.isLive(onlyPat().value)).toBe(true);
  });

  it('refuses a bad lifetime before any request', async () => {
    for (const lifetime of ['0', '-5', '1h', '90000']) {
      const run = await fx.run(
        ['exec', `--pat-lifetime=${lifetime}`, '--', 'true'],
        fx.gitlabJob(),
      );
      expect(run.exitCode, lifetime).toBe(2);
      expect(run.stderr).toMatch(
        /pat-lifetime .* (is not a positive whole number|is over one day)/,
      );
    }
    expect(requestsTo(fx.emulator, 'tokens.create')).toEqual([]);
    expect(fx.exchanges()).toBe(0);
    const long = await fx.run(
      ['exec', '--pat-lifetime', '90000', '--pat-allow-long-lifetime', '--', 'true'],
      fx.gitlabJob(),
    );
    expect(long.exitCode, long.stderr).toBe(0);
  });
});

describe('exchange --pat-lifetime and pat revoke', () => {
  it('hands off the PAT, names it on stderr, and a later pat revoke removes it', async () => {
    const env = fx.gitlabJob();
    const run = await fx.run(
      [
        'exchange',
        '--format',
        'json',
        '--pat-lifetime',
        '3600',
        '--pat-comment',
        'gitlab/pipeline/7',
      ],
      env,
      (r) => [String((JSON.parse(r.stdout) as Record<string, string>)['DATABRICKS_TOKEN'])],
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const record = onlyPat();
    const handedOff = JSON.parse(run.stdout) as Record<string, string>;
    expect(handedOff['DATABRICKS_TOKEN']).toBe(record.value);
    expect(handedOff['DATABRICKS_PAT_ID']).toBe(record.tokenId);
    expect(Date.parse(handedOff['DATABRICKS_PAT_EXPIRES_AT'] ?? '')).toBe(
      record.expiresAt?.getTime(),
    );
    expect(record.comment).toBe('gitlab/pipeline/7');
    expect(run.stderr).toContain(`Job-scoped PAT ${record.tokenId} created`);
    expect(run.stderr).toContain(`databricks-oidc pat revoke --token-id ${record.tokenId}`);
    expect(await meStatus(record.value)).toBe(200);

    const revoke = await fx.run(['pat', 'revoke', '--token-id', record.tokenId], env);
    expect(revoke.exitCode, revoke.stderr).toBe(0);
    expect(revoke.stderr).toContain(`The PAT ${record.tokenId} is revoked`);
    expect(await meStatus(record.value)).toBe(403);
    expect(revoke.stdout).toBe('');

    const again = await fx.run(['pat', 'revoke', '--token-id', record.tokenId], env);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain('is already gone');
  });

  it('mints nothing when the hand-off could not be delivered', async () => {
    const existing = join(fx.dir, 'taken.env');
    await writeFile(existing, 'old\n');
    const run = await fx.run(
      ['exchange', '--pat-lifetime', '600', '--output', existing],
      fx.gitlabJob(),
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('already exists');
    expect(fx.emulator.pats.tokens).toEqual([]);
    expect(fx.exchanges()).toBe(0);
  });

  it('pat revoke says what is missing or wrong, and never echoes a token given as id', async () => {
    const env = fx.gitlabJob();
    const missing = await fx.run(['pat', 'revoke'], env);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('token-id is not set');
    const token = `dapi${'0123456789abcdef'.repeat(2)}`;
    const asId = await fx.run(['pat', 'revoke', '--token-id', token], env);
    expect(asId.exitCode).toBe(2);
    expect(asId.stderr).toContain('token-id is a token, not a token id');
    expect(asId.stderr).not.toContain(token.slice(4));
    expect(fx.exchanges()).toBe(0);
  });

  it('pat revoke on a refused delete exits 5 and names the token', async () => {
    const env = fx.gitlabJob();
    const refused = { error_code: 'PERMISSION_DENIED', message: 'nope' };
    fx.emulator.faults.add('tokens.delete', { kind: 'status', status: 403, body: refused });
    const run = await fx.run(['pat', 'revoke', '--token-id', 'abc123'], env);
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain(
      'the job-scoped PAT abc123 was not revoked (a freshly exchanged token was refused)',
    );
    expect(requestsTo(fx.emulator, 'tokens.delete')).toHaveLength(1);
  });
});
