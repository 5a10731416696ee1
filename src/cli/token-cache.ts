// The `token` command's cache file: one per key, mode 0600 in a 0700 directory, trusted only while
// both are this user's and nobody else can read or change them, while it names the same key, and
// until a minute before the token expires.
// Synchronous node:fs, which Node has loaded already: node:fs/promises costs start-up time.
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CI_ROWS, isToken, jobName, OUTPUT_READERS, type Environment } from '../core/startup.ts';
import { SETTING_VARIABLES } from './setting-variables.ts';

/** The last second a Date can print (year 275760): a later expires_on is a corrupt entry. */
const MAX_EXPIRES_ON = 8.64e12;

/** A cached token is reused until this close to its expiry. */
const REUSE_MARGIN_MS = 60_000;

export interface CachedToken {
  access_token: string;
  expires_on: number;
}

/** Where a key's token is cached, and the key itself (stored in the file and compared on read). */
export interface CacheEntry {
  file: string;
  key: string;
}

/**
 * Under the CI's temp dir or $XDG_RUNTIME_DIR, keyed by the call as given (its arguments and the
 * DATABRICKS_* variables the settings read, which fix host, account, client id, audience and scope)
 * and by the CI job. The raw call, not the settings it parses to, so that a hit needs no parsing:
 * only the full command writes an entry, after those very arguments passed every check, so a hit
 * never skips a check that would fail. The job, because a shared runner's temp dir outlives a job:
 * another job's token answers to another job's policy.
 */
export function cacheEntry(argv: readonly string[], env: Environment): CacheEntry {
  const runnerTemp = OUTPUT_READERS.flatMap(({ ci }) => {
    const name = CI_ROWS[ci].tempDirectory;
    return name === undefined ? [] : [env[name]];
  }).find(Boolean);
  const base = runnerTemp || env['XDG_RUNTIME_DIR'] || tmpdir();
  const key = JSON.stringify([
    withoutJsonFlag(argv),
    SETTING_VARIABLES.map((name) => env[name] ?? ''),
    jobName(env),
    subjectIdentities(argv, env),
  ]);
  const dir = `databricks-oidc-${process.getuid?.() ?? 'user'}`;
  return { file: join(base, dir, `token-${fnv1a64(key)}.json`), key };
}

/** A JWT's shape: three base64url parts (the signature may be empty). */
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_JWT_LENGTH = 64 * 1024;

/**
 * Whose JWTs the call could present, without a request: the issuer, subject and audience of every
 * JWT in the environment (DATABRICKS_OIDC_TOKEN, a variable --oidc-token-env names, GitLab's
 * *_ID_TOKEN, CircleCI's, Bitbucket's, …) and in the file --oidc-token-file (or
 * DATABRICKS_OIDC_TOKEN_FILEPATH) names. Another identity's JWT is another entry; the same
 * identity's next JWT (a rotated file, a re-minted token) is the same entry. A token the CI mints
 * on request (GitHub, Azure, Buildkite) is fixed by the job, which is in the key already.
 */
function subjectIdentities(argv: readonly string[], env: Environment): string[] {
  const files = [env['DATABRICKS_OIDC_TOKEN_FILEPATH'], ...flagValues(argv, '--oidc-token-file')];
  const texts = [...Object.values(env), ...files.map((file) => (file ? readSmall(file) : ''))];
  return texts.flatMap((text) => {
    const identity = text === undefined ? undefined : identityOf(text.trim());
    return identity === undefined ? [] : [identity];
  });
}

function identityOf(text: string): string | undefined {
  if (text.length > MAX_JWT_LENGTH || !JWT.test(text)) return undefined;
  try {
    const claims = JSON.parse(
      Buffer.from(text.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as Record<string, unknown> | null;
    if (typeof claims !== 'object' || claims === null) return undefined;
    return JSON.stringify([claims['iss'], claims['sub'], claims['aud']]);
  } catch {
    return undefined;
  }
}

/** The values given to a flag, as `--flag value` or `--flag=value`, before any `--`. */
function flagValues(argv: readonly string[], flag: string): string[] {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  return argv.slice(0, end).flatMap((arg, i) => {
    if (arg.startsWith(`${flag}=`)) return [arg.slice(flag.length + 1)];
    const next = argv[i + 1];
    return arg === flag && next !== undefined && i + 1 < end ? [next] : [];
  });
}

/** A token file's text, or '' when it is no small regular file (the full command reports why). */
function readSmall(file: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    return stats.isFile() && stats.size <= MAX_JWT_LENGTH ? readFileSync(fd, 'utf8') : '';
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The call without its --json flags, which only change how the answer is printed, so that `token`
 * and `token --json` share an entry. A --json after `--` (a child command) or after a flag still
 * waiting for its value (`--scope --json`, ambiguous) is not the flag: both calls are refused, and
 * it stays, so a refused call never shares the key of one that passed.
 */
function withoutJsonFlag(argv: readonly string[]): readonly string[] {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const awaitsValue = (arg: string): boolean =>
    arg.startsWith('-') && !arg.includes('=') && arg !== '--json';
  return argv.filter((arg, i) => !(arg === '--json' && i < end && !awaitsValue(argv[i - 1] ?? '')));
}

/**
 * The file name's hash. Not node:crypto, whose loading costs the cached path more than all else it
 * does: the entry holds its key, so two keys that share a name miss, never get each other's token.
 */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8'))
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash.toString(16).padStart(16, '0');
}

/** The cached token if it is still worth reusing; undefined when missing, stale or untrusted. */
export function freshCachedToken(entry: CacheEntry): CachedToken | undefined {
  const cached = readCache(entry);
  return cached !== undefined && cached.expires_on * 1000 - Date.now() >= REUSE_MARGIN_MS
    ? cached
    : undefined;
}

/**
 * This user's, and closed to everyone else: another user could plant or swap a token otherwise.
 * Without POSIX owners and modes (Windows) nothing is trusted, and the cache is off.
 */
function isPrivate(stats: { uid: number; mode: number }): boolean {
  return isOwn(stats) && (stats.mode & 0o077) === 0;
}

function isOwn(stats: { uid: number }): boolean {
  const uid = process.getuid?.();
  return uid !== undefined && stats.uid === uid;
}

/** The directory itself, not a symbolic link to one, and private. */
function isPrivateDirectory(dir: string): boolean {
  try {
    const stats = lstatSync(dir);
    return stats.isDirectory() && isPrivate(stats);
  } catch {
    return false;
  }
}

function readCache({ file, key }: CacheEntry): CachedToken | undefined {
  if (!isPrivateDirectory(dirname(file))) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    // The mode of what is read, not of the path: someone widened it, so do not trust it.
    if (!isPrivate(fstatSync(fd))) return undefined;
    const parsed = JSON.parse(readFileSync(fd, 'utf8')) as Partial<CachedToken & { key: string }>;
    // A corrupt entry (a token that is not one, an expiry no Date holds) is a miss, never a crash.
    return parsed.key === key &&
      typeof parsed.access_token === 'string' &&
      isToken(parsed.access_token) &&
      Number.isSafeInteger(parsed.expires_on) &&
      (parsed.expires_on ?? 0) > 0 &&
      (parsed.expires_on ?? 0) <= MAX_EXPIRES_ON
      ? { access_token: parsed.access_token, expires_on: parsed.expires_on ?? 0 }
      : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes the entry, if it can: the cache only saves exchanges, so a directory that is not this
 * user's own (anyone can put a file at a predictable name in a shared temp dir), or any failure to
 * write, leaves the entry unwritten and the call answered. Returns why it was not written.
 */
export function writeCache({ file, key }: CacheEntry, token: CachedToken): string | undefined {
  const dir = dirname(file);
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  let created = false;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || !isOwn(stats))
      return `${dir} is not a directory of this user's own`;
    // Ours, but opened wider since it was made (mkdir's 0700 never comes out wider): close it again.
    if ((stats.mode & 0o077) !== 0) chmodSync(dir, 0o700);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
    const fd = openSync(temporary, flags, 0o600);
    created = true;
    try {
      writeFileSync(fd, JSON.stringify({ key, ...token }));
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    return undefined;
  } catch (error) {
    if (created) rmSync(temporary, { force: true });
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/** What `token` prints: the token alone, or with --json the SDK and CLI helper fields. */
export function tokenAnswer(token: CachedToken, json: boolean): string {
  return json
    ? `${JSON.stringify({
        access_token: token.access_token,
        expires_on: token.expires_on,
        token_type: 'Bearer',
        expiry: new Date(token.expires_on * 1000).toISOString(),
      })}\n`
    : `${token.access_token}\n`;
}
