import { CI_CHOICES } from '../core/index.ts';
import type { Command, Group, HelpTopic } from './args.ts';

/** The words, comma-separated, in lines of at most `width` characters after `indent`. */
function wrapped(words: readonly string[], indent: string, width: number): string {
  const lines = [''];
  for (const [i, word] of words.entries()) {
    const piece = i < words.length - 1 ? `${word},` : word;
    const last = lines.length - 1;
    const line = lines[last] ?? '';
    if (line !== '' && line.length + piece.length + 1 > width) lines.push(piece);
    else lines[last] = line === '' ? piece : `${line} ${piece}`;
  }
  return lines.join(`\n${indent}`);
}

const CI_FLAG = wrapped(
  CI_CHOICES.map((choice) => (choice === 'auto' ? 'auto (default)' : choice)),
  ' '.repeat(27),
  76,
);

const FLAGS = `Settings (a flag beats its variable):
  --host URL               DATABRICKS_HOST: the workspace or account console
  --account-id UUID        DATABRICKS_ACCOUNT_ID
  --client-id UUID         DATABRICKS_CLIENT_ID: the service principal (omit for account-wide federation)
  --audience AUD           DATABRICKS_TOKEN_AUDIENCE (default: host metadata, account ID, token endpoint)
  --scope SCOPES           default all-apis
  --ci NAME                ${CI_FLAG}
  --oidc-token-env NAME    DATABRICKS_OIDC_TOKEN_ENV: the variable that holds the JWT
  --oidc-token-file PATH   DATABRICKS_OIDC_TOKEN_FILEPATH: the file that holds the JWT (re-read each time)
  --azure-service-connection ID  DATABRICKS_AZURE_SERVICE_CONNECTION: on Azure Pipelines, the token of
                           this service connection (sub sc://org/project/connection, not p://…)
  --lakebase-instance NAME | --lakebase-endpoint projects/P/branches/B/endpoints/E
  --lakebase-database NAME   --lakebase-ttl SECONDS`;

const QUIET = `
  --quiet                  progress lines on stderr only when the run fails (warnings always)`;

const BASE_FLAGS = FLAGS.split('\n  --lakebase-instance')[0] ?? FLAGS;

const PAT_FLAGS = `  --pat-lifetime SECONDS   also mint a job-scoped PAT (1 to 86400): DATABRICKS_TOKEN is then the PAT
  --pat-comment TEXT       its comment (default: <ci>/<project>/run/<run>/<attempt>/<job>)
  --pat-allow-long-lifetime  allow a --pat-lifetime over one day`;

const HANDOFF_FLAGS = `  --format F      auto (default: azure on Azure Pipelines, github on GitHub, else shell),
                  shell, dotenv, json, github, azure
  --output FILE   write the hand-off to a new file (mode 0600) instead of stdout
  --force         with --output: replace an existing file`;

const COMMAND_HELP: Record<Command, string> = {
  exchange: `databricks-oidc exchange [flags]
Exchange the CI's OIDC token for a Databricks token and hand it off on stdout.
In a shell: eval "$(databricks-oidc exchange)". A failed run then prints (exit N) as its only
shell line, so that eval fails the script too (not with --output, or when stdout is a terminal).
${HANDOFF_FLAGS}
${PAT_FLAGS}
  With --pat-lifetime nothing revokes the PAT for you: DATABRICKS_PAT_ID names it for
  databricks-oidc pat revoke --token-id ID in the pipeline's final (always-run) step.`,
  exec: `databricks-oidc exec [flags] -- CMD [ARGS...]
Exchange, then run CMD with DATABRICKS_HOST, DATABRICKS_TOKEN, DATABRICKS_AUTH_TYPE=pat (and
DATABRICKS_ACCOUNT_ID on an account console, PG* for Lakebase); forwards SIGINT and SIGTERM to it
and exits with its code.
${PAT_FLAGS}
  With --pat-lifetime CMD gets the PAT, revoked when CMD exits (also when it fails or is
  signalled); a PAT that could not be revoked is said on stderr and fails a run that succeeded.`,
  token: `databricks-oidc token [flags]
Print only the access token (cached 0600 until 60 s before expiry), for apiKeyHelper and scripts.
  --json          print {"access_token","token_type","expires_on","expiry"}`,
  serve: `databricks-oidc serve [flags] [-- CMD [ARGS...]]
A local Databricks metadata service (auth type metadata-service) on 127.0.0.1 that re-exchanges
near expiry. With CMD: runs it with DATABRICKS_AUTH_TYPE, DATABRICKS_METADATA_SERVICE_URL and
DATABRICKS_HOST set, and stops when it exits. Without: prints those variables (--format) and runs
until SIGINT/SIGTERM. With --lakebase-*: keeps a password file (PGPASSFILE) current ahead of each
credential's expiry and hands off PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE, PGPASSFILE.
  --output FILE   write the variables to a new 0600 FILE instead of stdout (--force replaces it)`,
  policy: `databricks-oidc policy [flags]
Print the federation policy that accepts this job's token (JSON, then the databricks CLI commands).`,
  doctor: `databricks-oidc doctor [flags]
Which token sources were looked for, the token's claims, the host metadata (when the settings
leave something to it), the audience, and Databricks variables that would win in the SDKs' auth
order.
  --json          the same as JSON`,
  'obo mint': `databricks-oidc obo mint --application-id ID|NAME [flags]
Mint an on-behalf-of token for a partner service principal (needs a workspace admin; AWS and GCP)
and hand it off like exchange: DATABRICKS_OBO_TOKEN, DATABRICKS_OBO_TOKEN_ID,
DATABRICKS_OBO_TOKEN_EXPIRES_AT, DATABRICKS_OBO_APPLICATION_ID.
  --application-id X  the service principal: application ID (UUID) or display name (FIVETRAN_USER)
  --lifetime SECONDS  60 to 7776000 (default 1209600, 14 days); the workspace maximum caps it
  --comment MARKER    this rotation's marker, the start of the comment (default rotated-by:databricks-oidc)
${HANDOFF_FLAGS}`,
  'obo prune': `databricks-oidc obo prune --application-id ID|NAME [flags]
Delete the service principal's older tokens of this rotation: keep the newest --keep whose comment
starts with the marker; tokens without it (the original Partner Connect token) are never deleted
unless --adopt-unmanaged. Prints what it kept, deleted and left alone.
  --application-id X  the service principal: application ID (UUID) or display name
  --keep N            how many marked tokens survive (default 2: the new one and the previous)
  --comment MARKER    the marker obo mint used (default rotated-by:databricks-oidc)
  --adopt-unmanaged   also delete unmarked tokens (only when a marked one is kept)
  --dry-run           delete nothing; list what would be deleted
  --json              print {"application_id","display_name","dry_run","kept","deleted"|"would_delete","untouched"}`,
  'pat revoke': `databricks-oidc pat revoke --token-id ID [flags]
Revoke a job-scoped PAT by its id (DATABRICKS_PAT_ID of exchange --pat-lifetime), authenticated
with a fresh exchange; a PAT already gone counts as revoked. For a pipeline's final step.
  --token-id ID       the PAT's id (never the token itself)`,
};

const GROUP_HELP: Record<Group, string> = {
  obo: `databricks-oidc obo mint|prune [flags]
Keyless rotation of a partner service principal's tokens, in two phases: mint a new token, hand
it to the partner, then prune the older ones. Run databricks-oidc obo mint --help or obo prune --help.`,
  pat: `databricks-oidc pat revoke --token-id ID [flags]
Revoke a job-scoped PAT minted by exchange --pat-lifetime. Run databricks-oidc pat revoke --help.`,
};

const WITHOUT_LAKEBASE: readonly HelpTopic[] = ['obo mint', 'obo prune', 'pat revoke'];

export function helpText(topic: HelpTopic | undefined): string {
  if (topic === 'obo' || topic === 'pat') return `${GROUP_HELP[topic]}\n`;
  if (topic !== undefined)
    return `${COMMAND_HELP[topic]}\n\n${WITHOUT_LAKEBASE.includes(topic) ? BASE_FLAGS : FLAGS}${QUIET}\n`;
  return `databricks-oidc: a CI's OIDC token in, a Databricks token out.

Usage: databricks-oidc <command> [flags]

Commands:
  exchange   exchange and hand the result off (shell, dotenv, json, github, azure)
  exec       exchange, then run a command with the credentials in its environment
  token      print only the access token (cached), for apiKeyHelper and scripts
  serve      a local metadata service for the Databricks SDKs and CLI
  policy     the federation policy that would accept this job
  doctor     what was detected and why
  obo        mint | prune: keyless rotation of a partner service principal's tokens
  pat        revoke: revoke a job-scoped PAT minted by exchange --pat-lifetime

Run databricks-oidc <command> --help for its flags. Exit codes: 0 done, 2 usage or bad input,
3 no token source, 4 CI token unavailable, 5 refused by Databricks, 6 transient failure.
`;
}
