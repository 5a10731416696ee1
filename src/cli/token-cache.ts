// The `token` command's cache file: one per key, mode 0600 in a 0700 directory, trusted only while
// nobody else can read it and until a minute before the token expires.
import { createHash } from 'node:crypto';
// Synchronous node:fs, which Node has loaded already: node:fs/promises costs start-up time.
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../core/startup.ts';
import type { CliSettings } from './settings.ts';

/** A cached token is reused until this close to its expiry. */
const REUSE_MARGIN_MS = 60_000;

export interface CachedToken {
  access_token: string;
  expires_on: number;
}

/** Under the CI's temp dir or $XDG_RUNTIME_DIR, keyed by everything that decides the token. */
export function cacheFile(env: Environment, { config }: CliSettings): string {
  const base =
    env['RUNNER_TEMP'] || env['AGENT_TEMPDIRECTORY'] || env['XDG_RUNTIME_DIR'] || tmpdir();
  const key = [config.host.url, config.accountId, config.clientId, config.audience, config.scope]
    .map((part) => part ?? '')
    .join('|');
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return join(base, `databricks-oidc-${userInfo().uid}`, `token-${digest}.json`);
}

/** The cached token if it is still worth reusing; undefined when missing, stale or untrusted. */
export function freshCachedToken(file: string): CachedToken | undefined {
  const cached = readCache(file);
  return cached !== undefined && cached.expires_on * 1000 - Date.now() >= REUSE_MARGIN_MS
    ? cached
    : undefined;
}

function readCache(file: string): CachedToken | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY);
    // The mode of what is read, not of the path: someone widened it, so do not trust it.
    if ((fstatSync(fd).mode & 0o077) !== 0) return undefined;
    const parsed = JSON.parse(readFileSync(fd, 'utf8')) as Partial<CachedToken>;
    return typeof parsed.access_token === 'string' && typeof parsed.expires_on === 'number'
      ? { access_token: parsed.access_token, expires_on: parsed.expires_on }
      : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeCache(file: string, token: CachedToken): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeFileSync(fd, JSON.stringify(token));
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

/** What `token` prints: the token alone, or with --json the SDK and CLI helper fields. */
export function tokenAnswer(token: CachedToken, json: boolean): string {
  return json
    ? `${JSON.stringify({ ...token, token_type: 'Bearer', expiry: new Date(token.expires_on * 1000).toISOString() })}\n`
    : `${token.access_token}\n`;
}
