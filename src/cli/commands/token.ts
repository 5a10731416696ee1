import type { ParsedArgs } from '../args.ts';
import { announceMasks } from '../mask.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../stdio.ts';
import { cacheEntry, freshCachedToken, tokenAnswer, writeCache } from '../token-cache.ts';

export async function tokenCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const entry = cacheEntry(args.argv, session.env);
  let cached = freshCachedToken(entry);
  if (cached === undefined) {
    const { ci, credentials } = await session.credentials(settings);
    const expiresAt = credentials.token.expiresAt?.getTime() ?? Date.now() + 5 * 60_000;
    cached = {
      access_token: credentials.token.accessToken,
      expires_on: Math.floor(expiresAt / 1000),
    };
    // Before the answer is captured ($(…), set -x): a later print of it is masked in the job's log.
    // The masks are the job's, so a later call answered from the cache needs none of its own.
    await announceMasks({
      ci,
      env: session.env,
      format: 'shell',
      secrets: [cached.access_token],
      note: (line) => session.log.notice(line),
      stdoutIsData: true,
      stderrOnly: true,
    });
    const unwritten = writeCache(entry, cached);
    if (unwritten !== undefined)
      session.log.info(`Token cache not written (${unwritten}): the next call exchanges again`);
  }
  session.secrets.add(cached.access_token);
  writeStdout(tokenAnswer(cached, args.flags['json'] === true));
  return 0;
}
