// The bundle entry of dist/cli.js. A `token` call with a fresh cache entry is answered before the
// rest is evaluated; the eager dynamic import keeps main in this one file but runs its module
// graph (the core's transport, @actions/http-client, TLS) only when it is needed.
import { defuse, describeFailure } from '../core/startup.ts';
import { answerFromCache } from './cached-token.ts';
import { writeStderr } from './stdio.ts';

const argv = process.argv.slice(2);

async function run(): Promise<number> {
  const cached = answerFromCache(argv, process.env);
  if (cached !== undefined) return cached;
  const { main } = await import(/* webpackMode: "eager" */ './main.ts');
  return main(argv, process.env);
}

// Whatever escapes still ends in one line (never a stack, which would quote the minified bundle).
run().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = 1;
    try {
      writeStderr(`databricks-oidc: ${defuse(describeFailure(error))}\n`);
    } catch {
      // stderr is closed too: nothing left to tell.
    }
  },
);
