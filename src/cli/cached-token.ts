// The fast path of `databricks-oidc token`: helpers call it often, so a fresh cache entry is
// answered from the arguments, the settings and the file alone, before the rest of the command
// line (the core's transport, @actions/http-client, TLS) is evaluated. Anything else, including
// every error, is left to the full command, which reports it.
import type { Environment } from '../core/startup.ts';
import { parseCommandLine } from './args.ts';
import { readSettings } from './settings.ts';
import { writeStdout } from './stdio.ts';
import { cacheEntry, freshCachedToken, tokenAnswer, type CacheEntry } from './token-cache.ts';

/** The exit code when the cache answered; undefined when the full command must run. */
export function answerFromCache(argv: string[], env: Environment): number | undefined {
  if (argv[0] !== 'token') return undefined;
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== 'run') return undefined;
  let entry: CacheEntry;
  try {
    entry = cacheEntry(env, readSettings(parsed.args, env));
  } catch {
    return undefined;
  }
  const cached = freshCachedToken(entry);
  if (cached === undefined) return undefined;
  // Only stdout is written, and only this: no log line exists here to carry the token.
  writeStdout(tokenAnswer(cached, parsed.args.flags['json'] === true));
  return 0;
}
