// `databricks-oidc token`'s fast path: a fresh cache entry is answered without evaluating the
// transport (no http-client, TLS, child_process or crypto module loaded); anything else falls back to
// the full command, which exchanges again and rewrites the entry.
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliEmulator } from './fixture.ts';

const fx = useCliEmulator();
const HEAVY_MODULES = [
  'NativeModule https',
  'NativeModule tls',
  'NativeModule child_process',
  'NativeModule crypto',
];

/** Preloaded through NODE_OPTIONS: the Node built-ins the run loaded, written at exit. */
async function moduleProbe(): Promise<{
  env: Record<string, string>;
  loaded(): Promise<string[]>;
}> {
  const script = join(fx.dir, 'probe.cjs');
  const list = join(fx.dir, 'loaded.txt');
  await writeFile(
    script,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`,
  );
  return {
    env: { NODE_OPTIONS: `--require ${script}` },
    loaded: async () => (await readFile(list, 'utf8')).split('\n'),
  };
}

/** Fills the cache with one exchange and returns its file, token and key. */
async function filledCache(
  env: Record<string, string>,
): Promise<{ file: string; token: string; key: string }> {
  const first = await fx.run(['token'], env, (r) => [r.stdout.trim()]);
  expect(first.exitCode, first.stderr).toBe(0);
  const [dir = ''] = (await readdir(fx.dir)).filter((name) => name.startsWith('databricks-oidc-'));
  const [name = ''] = await readdir(join(fx.dir, dir));
  const file = join(fx.dir, dir, name);
  const { key } = JSON.parse(await readFile(file, 'utf8')) as { key: string };
  return { file, token: first.stdout.trim(), key };
}

async function plant(file: string, content: string, mode: number): Promise<void> {
  await writeFile(file, content);
  await chmod(file, mode);
}

const entry = (key: string, token: string, secondsLeft: number): string =>
  JSON.stringify({
    key,
    access_token: token,
    expires_on: Math.floor(Date.now() / 1000) + secondsLeft,
  });

describe('token, cached', () => {
  it('answers a fresh entry from the file alone: no request, no transport evaluated', async () => {
    const env = fx.gitlabJob();
    const { file, key } = await filledCache(env);
    await plant(file, entry(key, 'planted-cached-token', 3600), 0o600);
    const probe = await moduleProbe();
    const requestsBefore = fx.emulator.requests.length;
    const run = await fx.run(['token'], { ...env, ...probe.env }, () => []);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('planted-cached-token\n');
    expect(run.stderr).toBe('');
    expect(fx.emulator.requests.length).toBe(requestsBefore);
    expect((await probe.loaded()).filter((name) => HEAVY_MODULES.includes(name))).toEqual([]);
  });

  const planted = 'planted-cached-token';
  it.each([
    ['expires within the 60 s margin', (key: string) => entry(key, planted, 30), 0o600],
    ['was widened to 0644', (key: string) => entry(key, planted, 3600), 0o644],
    ['names another key', () => entry('["https://other.example"]', planted, 3600), 0o600],
    ['is corrupt', () => `{"access_token": "${planted}", "expires_on"`, 0o600],
    ['lacks the expiry', (key: string) => JSON.stringify({ key, access_token: planted }), 0o600],
    [
      'holds an expiry no date can print',
      (key: string) => JSON.stringify({ key, access_token: planted, expires_on: 1e15 }),
      0o600,
    ],
    [
      'holds a token that is not one',
      (key: string) => entry(key, 'planted\n##vso[task.complete]', 3600),
      0o600,
    ],
  ])(
    'falls back to an exchange when the entry %s, and rewrites it 0600',
    async (_, content, mode) => {
      const env = fx.gitlabJob();
      const { file, key } = await filledCache(env);
      await plant(file, content(key), mode);
      const probe = await moduleProbe();
      const run = await fx.run(['token'], { ...env, ...probe.env }, (r) => [r.stdout.trim()]);
      expect(run.exitCode, run.stderr).toBe(0);
      const token = run.stdout.trim();
      expect(token).not.toBe('planted-cached-token');
      expect(token).not.toBe('');
      expect(fx.exchanges()).toBe(2);
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ key, access_token: token });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      // The probe sees the full path, so its silence above is not an accident.
      expect(await probe.loaded()).toContain('NativeModule https');
    },
  );

  // A shell runner's temp dir outlives its jobs: a later job must answer to its own policy.
  it("does not answer another CI job from this job's entry", async () => {
    const env = fx.gitlabJob();
    const { file, token } = await filledCache(env);
    const nextJob = { ...env, CI_JOB_ID: `${env['CI_JOB_ID'] ?? ''}1` };
    const run = await fx.run(['token'], nextJob, (r) => [token, r.stdout.trim()]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(fx.exchanges()).toBe(2);
    expect(run.stdout.trim()).not.toBe(token);
    expect(await readdir(join(file, '..'))).toHaveLength(2);
  });

  it('shares no entry with a refused call that only differs by a --json', async () => {
    const env = fx.gitlabJob();
    const first = await fx.run(['token', '--scope', 'all-apis'], env, (r) => [r.stdout.trim()]);
    expect(first.exitCode, first.stderr).toBe(0);
    const cachedToken = () => [first.stdout.trim()];
    const run = await fx.run(['token', '--scope', '--json', 'all-apis'], env, cachedToken);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("'--scope' argument is ambiguous");
  });

  it('trusts the directory only while it is its own and closed: opened wider, it is closed again', async () => {
    const env = fx.gitlabJob();
    const { file, token } = await filledCache(env);
    const dir = join(file, '..');
    await chmod(dir, 0o777);
    const run = await fx.run(['token'], env, (r) => [token, r.stdout.trim()]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(fx.exchanges()).toBe(2); // the entry in a world-writable directory was not read
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('writes no entry through a directory that is a symbolic link', async () => {
    const elsewhere = join(fx.dir, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o700 });
    await symlink(elsewhere, join(fx.dir, `databricks-oidc-${process.getuid?.() ?? 'user'}`));
    const env = fx.gitlabJob();
    const handedOff = (run: { stdout: string }) => [run.stdout.trim()];
    const runs = [await fx.run(['token'], env, handedOff), await fx.run(['token'], env, handedOff)];
    expect(runs.map((run) => run.exitCode)).toEqual([0, 0]);
    expect(fx.exchanges()).toBe(2);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('answers even when the cache cannot be written: a file planted at its directory name', async () => {
    await writeFile(join(fx.dir, `databricks-oidc-${process.getuid?.() ?? 'user'}`), 'planted');
    const env = fx.gitlabJob();
    const handedOff = (run: { stdout: string }) => [run.stdout.trim()];
    const runs = [await fx.run(['token'], env, handedOff), await fx.run(['token'], env, handedOff)];
    expect(
      runs.map((run) => run.exitCode),
      runs[0]?.stderr,
    ).toEqual([0, 0]);
    expect(runs[0]?.stdout.trim()).toMatch(/.{20,}/);
    expect(runs[0]?.stderr).toContain('Token cache not written (EEXIST)');
    expect(fx.exchanges()).toBe(2);
  });

  it('leaves a bad setting to the full command even when an entry is fresh', async () => {
    const env = fx.gitlabJob();
    const { token } = await filledCache(env);
    const run = await fx.run(['token', '--ci', 'nowhere'], env, () => [token]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('"nowhere" is not a known CI');
  });
});

describe('token, cached per identity', () => {
  it("never answers another identity's JWT from this one's entry, in the same variable or a file", async () => {
    const env = fx.gitlabJob();
    const { token } = await filledCache(env);
    const gitlab = fx.emulator.ci.gitlab;
    const aud = fx.tokenEndpoint();
    const other = gitlab.mintJwt({
      aud,
      sub: 'project_path:someone/else:ref_type:branch:ref:main',
    });
    const inVariable = await fx.run(['token'], { ...env, DATABRICKS_OIDC_TOKEN: other }, () => [
      token,
    ]);
    expect(inVariable.exitCode).toBe(5);
    expect(inVariable.stdout).toBe('');
    // Not in fx.dir, whose files the leak scan reads: a JWT file is the CI's, not a leak.
    const file = join(await mkdtemp(join(tmpdir(), 'cli-jwt-')), 'other.jwt');
    await writeFile(file, other);
    const inFile = await fx.run(['token', '--oidc-token-file', file], env, () => [token]);
    expect(inFile.exitCode).toBe(5);
    expect(fx.exchanges()).toBe(3);
  });

  it("answers the same identity's next JWT from the entry (a rotated or re-minted token)", async () => {
    const env = fx.gitlabJob();
    const { token } = await filledCache(env);
    const again = fx.emulator.ci.gitlab.mintJwt({ aud: fx.tokenEndpoint(), jti: 'another' });
    const run = await fx.run(['token'], { ...env, DATABRICKS_OIDC_TOKEN: again }, () => [token]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${token}\n`);
    expect(fx.exchanges()).toBe(1);
  });
});
