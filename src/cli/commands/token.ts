import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../system.ts';

/** A cached token is reused until this close to its expiry. */
const REUSE_MARGIN_MS = 60_000;

interface CachedToken {
  access_token: string;
  expires_on: number;
}

export async function tokenCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const file = cacheFile(session.env, settings);
  let cached = await readCache(file);
  if (cached === undefined || cached.expires_on * 1000 - Date.now() < REUSE_MARGIN_MS) {
    const { credentials } = await session.credentials(settings);
    const expiresAt = credentials.token.expiresAt?.getTime() ?? Date.now() + 5 * 60_000;
    cached = {
      access_token: credentials.token.accessToken,
      expires_on: Math.floor(expiresAt / 1000),
    };
    await writeCache(file, cached);
  }
  session.secrets.add(cached.access_token);
  writeStdout(
    args.flags['json'] === true
      ? `${JSON.stringify({ ...cached, token_type: 'Bearer', expiry: new Date(cached.expires_on * 1000).toISOString() })}\n`
      : `${cached.access_token}\n`,
  );
  return 0;
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

async function readCache(file: string): Promise<CachedToken | undefined> {
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) return undefined; // someone widened it: do not trust it
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CachedToken>;
    return typeof parsed.access_token === 'string' && typeof parsed.expires_on === 'number'
      ? { access_token: parsed.access_token, expires_on: parsed.expires_on }
      : undefined;
  } catch {
    return undefined;
  }
}

async function writeCache(file: string, token: CachedToken): Promise<void> {
  const dir = join(file, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
    0o600,
  );
  try {
    await handle.writeFile(JSON.stringify(token));
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
