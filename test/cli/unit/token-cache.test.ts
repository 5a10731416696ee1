// The `token` command's cache key, without a process: the same call in the same job finds its
// entry; another identity, another job, other settings or other arguments never do. Entries are
// real files in a temporary directory (RUNNER_TEMP), as the command writes them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerFromCache } from '../../../src/cli/cached-token.ts';
import { cacheEntry, freshCachedToken, writeCache } from '../../../src/cli/token-cache.ts';

const stdout = vi.hoisted(() => ({ text: '' }));
vi.mock('../../../src/cli/stdio.ts', () => ({
  writeStdout: (text: string) => void (stdout.text += text),
  writeStderr: () => undefined,
}));

let temp = '';
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'token-cache-unit-'));
});
afterAll(() => rm(temp, { recursive: true, force: true }));
beforeEach(() => {
  stdout.text = '';
});

const TOKEN = 'dapi0123456789abcdef';

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k' })}.${part(claims)}.c2lnbmF0dXJl`;
}

const CLAIMS = { iss: 'https://gitlab.example', sub: 'project_path:g/p:ref:main', aud: 'dbx' };

/** A GitHub job's environment; what a test changes goes on top. */
function githubJob(extra: Record<string, string> = {}): Record<string, string> {
  return {
    RUNNER_TEMP: temp,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_RUN_ID: '100',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'deploy',
    DATABRICKS_HOST: 'https://h.example',
    ...extra,
  };
}

const keyOf = (argv: string[], env: Record<string, string>): string => cacheEntry(argv, env).key;

describe('the cache key', () => {
  it('is the same for the same call in the same job, and so is the file', () => {
    const argv = ['token', '--client-id', 'c'];
    expect(cacheEntry([...argv], githubJob())).toEqual(cacheEntry(argv, githubJob()));
  });

  it('is the same with or without --json, which only changes how the answer is printed', () => {
    expect(keyOf(['token', '--json'], githubJob())).toBe(keyOf(['token'], githubJob()));
  });

  it('keeps a --json that is the value another flag waits for, or after --', () => {
    expect(keyOf(['token', '--scope', '--json'], githubJob())).not.toBe(
      keyOf(['token', '--scope'], githubJob()),
    );
    expect(keyOf(['token', '--', '--json'], githubJob())).not.toBe(
      keyOf(['token', '--'], githubJob()),
    );
  });

  it.each([
    ['run', { GITHUB_RUN_ID: '101' }],
    ['attempt', { GITHUB_RUN_ATTEMPT: '2' }],
    ['job', { GITHUB_JOB: 'test' }],
    ['repository', { GITHUB_REPOSITORY: 'o/other' }],
  ])('differs in another GitHub %s', (_, change) => {
    expect(keyOf(['token'], githubJob(change))).not.toBe(keyOf(['token'], githubJob()));
  });

  it('differs in another job of another CI', () => {
    const gitlab = (job: string): Record<string, string> => ({
      RUNNER_TEMP: temp,
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'g/p',
      CI_PIPELINE_ID: '7',
      CI_JOB_ID: job,
    });
    expect(keyOf(['token'], gitlab('1'))).not.toBe(keyOf(['token'], gitlab('2')));
    expect(keyOf(['token'], gitlab('1'))).toBe(keyOf(['token'], gitlab('1')));
  });

  it.each([
    ['host', { DATABRICKS_HOST: 'https://other.example' }],
    ['client ID', { DATABRICKS_CLIENT_ID: 'c2' }],
    ['account ID', { DATABRICKS_ACCOUNT_ID: 'a' }],
    ['audience', { DATABRICKS_TOKEN_AUDIENCE: 'other' }],
    ['token variable', { DATABRICKS_OIDC_TOKEN_ENV: 'OTHER_JWT' }],
  ])('differs with another %s in the environment', (_, change) => {
    expect(keyOf(['token'], githubJob(change))).not.toBe(keyOf(['token'], githubJob()));
  });

  it('differs with other arguments', () => {
    expect(keyOf(['token', '--scope', 'sql'], githubJob())).not.toBe(keyOf(['token'], githubJob()));
    expect(keyOf(['token', '--host', 'a'], githubJob())).not.toBe(
      keyOf(['token', '--host', 'b'], githubJob()),
    );
  });

  it("differs with another identity's JWT in the environment, not with the same identity's next", () => {
    const withJwt = (claims: Record<string, unknown>): Record<string, string> =>
      githubJob({ GITHUB_ACTIONS: '', CI_JOB_JWT_ID_TOKEN: jwt(claims) });
    const first = keyOf(['token'], withJwt({ ...CLAIMS, exp: 1000, jti: 'a' }));
    expect(keyOf(['token'], withJwt({ ...CLAIMS, exp: 2000, jti: 'b' }))).toBe(first);
    expect(keyOf(['token'], withJwt({ ...CLAIMS, sub: 'project_path:g/p:ref:dev' }))).not.toBe(
      first,
    );
    expect(keyOf(['token'], withJwt({ ...CLAIMS, aud: 'other' }))).not.toBe(first);
    expect(keyOf(['token'], withJwt({ ...CLAIMS, iss: 'https://evil.example' }))).not.toBe(first);
  });

  it('differs with the identity of the JWT in --oidc-token-file, which is read for it', async () => {
    const file = join(temp, 'jwt.txt');
    const argv = ['token', '--oidc-token-file', file];
    await writeFile(file, `${jwt({ ...CLAIMS, exp: 1 })}\n`);
    const first = keyOf(argv, githubJob());
    await writeFile(file, jwt({ ...CLAIMS, exp: 2 }));
    expect(keyOf(argv, githubJob())).toBe(first);
    await writeFile(file, jwt({ ...CLAIMS, sub: 'someone else' }));
    expect(keyOf(argv, githubJob())).not.toBe(first);
  });

  it('ignores a variable that only looks like a JWT', () => {
    const plain = keyOf(['token'], githubJob());
    expect(keyOf(['token'], githubJob({ NOT_A_JWT: 'a.b.c' }))).toBe(plain);
  });
});

describe('the cache file', () => {
  it("lies in this user's directory under the CI's temp dir, named by the key's hash", () => {
    const uid = process.getuid?.() ?? 'user';
    for (const variable of ['RUNNER_TEMP', 'AGENT_TEMPDIRECTORY', 'XDG_RUNTIME_DIR']) {
      const { file } = cacheEntry(['token'], { [variable]: '/ci/tmp' });
      expect(dirname(file)).toBe(`/ci/tmp/databricks-oidc-${uid}`);
      expect(file).toMatch(/\/token-[0-9a-f]{16}\.json$/);
    }
    expect(dirname(cacheEntry(['token'], {}).file)).toBe(join(tmpdir(), `databricks-oidc-${uid}`));
  });
});

describe.skipIf(process.getuid === undefined)('a cache entry', () => {
  const expiresOn = (): number => Math.floor(Date.now() / 1000) + 3600;

  it('answers the same call, in either print form', () => {
    const env = githubJob({ GITHUB_RUN_ID: '200' });
    expect(
      writeCache(cacheEntry(['token'], env), { access_token: TOKEN, expires_on: expiresOn() }),
    ).toBeUndefined();
    expect(answerFromCache(['token'], env)).toBe(0);
    expect(stdout.text).toBe(`${TOKEN}\n`);
    stdout.text = '';
    expect(answerFromCache(['token', '--json'], env)).toBe(0);
    expect(JSON.parse(stdout.text)).toMatchObject({ access_token: TOKEN, token_type: 'Bearer' });
  });

  it('answers no other job, identity or command', () => {
    const env = githubJob({ GITHUB_RUN_ID: '201' });
    writeCache(cacheEntry(['token'], env), { access_token: TOKEN, expires_on: expiresOn() });
    expect(answerFromCache(['token'], { ...env, GITHUB_RUN_ID: '202' })).toBeUndefined();
    expect(answerFromCache(['token'], { ...env, GITHUB_JOB: 'other' })).toBeUndefined();
    expect(answerFromCache(['token'], { ...env, X_ID_TOKEN: jwt(CLAIMS) })).toBeUndefined();
    expect(answerFromCache(['exchange'], env)).toBeUndefined();
    expect(stdout.text).toBe('');
  });

  it('is a miss for a key it does not hold, even at the same file', () => {
    const env = githubJob({ GITHUB_RUN_ID: '203' });
    const entry = cacheEntry(['token'], env);
    writeCache(
      { file: entry.file, key: 'another key' },
      { access_token: TOKEN, expires_on: expiresOn() },
    );
    expect(freshCachedToken(entry)).toBeUndefined();
  });

  it('is a miss within a minute of its expiry', () => {
    const entry = cacheEntry(['token'], githubJob({ GITHUB_RUN_ID: '204' }));
    writeCache(entry, { access_token: TOKEN, expires_on: Math.floor(Date.now() / 1000) + 30 });
    expect(freshCachedToken(entry)).toBeUndefined();
  });
});
