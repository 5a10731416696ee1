// The bundle entry of dist/cli.js. A `token` call with a fresh cache entry is answered before the
// rest is evaluated; the eager dynamic import keeps main in this one file but runs its module
// graph (the core's transport, @actions/http-client, TLS) only when it is needed.
import { answerFromCache } from './cached-token.ts';

const argv = process.argv.slice(2);

async function run(): Promise<number> {
  const cached = answerFromCache(argv, process.env);
  if (cached !== undefined) return cached;
  const { main } = await import(/* webpackMode: "eager" */ './main.ts');
  return main(argv, process.env);
}

void run().then((code) => {
  process.exitCode = code;
});
