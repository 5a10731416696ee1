// The fast path of `databricks-oidc token`: helpers call it often, so a fresh cache entry is
// answered from the arguments, the environment and the file alone, before the rest of the command
// line (argument parsing, the settings, the core's transport, @actions/http-client, TLS) is
// evaluated. Anything else, including every error, is left to the full command, which reports it.
import type { Environment } from '../core/startup.ts';
import { writeStdout } from './stdio.ts';
import { cacheEntry, freshCachedToken, tokenAnswer } from './token-cache.ts';

/** The exit code when the cache answered; undefined when the full command must run. */
export function answerFromCache(argv: string[], env: Environment): number | undefined {
  if (argv[0] !== 'token') return undefined;
  const cached = freshCachedToken(cacheEntry(argv, env));
  if (cached === undefined) return undefined;
  // Only a call that passed every check has an entry, keyed by its arguments less their --json
  // flags: a --json here is that flag, not another flag's value or a child command.
  writeStdout(tokenAnswer(cached, argv.includes('--json')));
  return 0;
}
