import type { Command } from './args.ts';

const FLAGS = `Settings (a flag beats its variable):
  --host URL               DATABRICKS_HOST: the workspace or account console
  --account-id UUID        DATABRICKS_ACCOUNT_ID
  --client-id UUID         DATABRICKS_CLIENT_ID: the service principal (omit for account-wide federation)
  --audience AUD           DATABRICKS_TOKEN_AUDIENCE (default: host metadata, account ID, token endpoint)
  --scope SCOPES           default all-apis
  --ci NAME                auto (default), github, gitlab, azure-devops, circleci, buildkite, bitbucket,
                           jenkins, terraform-cloud, kubernetes, env, file
  --oidc-token-env NAME    DATABRICKS_OIDC_TOKEN_ENV: the variable that holds the JWT
  --oidc-token-file PATH   DATABRICKS_OIDC_TOKEN_FILEPATH: the file that holds the JWT (re-read each time)
  --lakebase-instance NAME | --lakebase-endpoint projects/P/branches/B/endpoints/E
  --lakebase-database NAME   --lakebase-ttl SECONDS`;

const COMMAND_HELP: Record<Command, string> = {
  exchange: `databricks-oidc exchange [flags]
Exchange the CI's OIDC token for a Databricks token and hand it off on stdout.
  --format F      auto (default: azure on Azure Pipelines, github on GitHub, else shell),
                  shell, dotenv, json, github, azure
  --output FILE   write the hand-off to a new file (mode 0600) instead of stdout
  --force         with --output: replace an existing file`,
  exec: `databricks-oidc exec [flags] -- CMD [ARGS...]
Exchange, then run CMD with DATABRICKS_HOST, DATABRICKS_TOKEN (and PG* for Lakebase); exits with its code.`,
  token: `databricks-oidc token [flags]
Print only the access token (cached 0600 until 60 s before expiry), for apiKeyHelper and scripts.
  --json          print {"access_token","token_type","expires_on","expiry"}`,
  serve: `databricks-oidc serve [flags] [-- CMD [ARGS...]]
A local Databricks metadata service (auth type metadata-service) on 127.0.0.1 that re-exchanges
near expiry. With CMD: runs it with DATABRICKS_AUTH_TYPE, DATABRICKS_METADATA_SERVICE_URL and
DATABRICKS_HOST set, and stops when it exits. Without: prints those variables (--format) and runs
until SIGINT/SIGTERM.`,
  policy: `databricks-oidc policy [flags]
Print the federation policy that accepts this job's token (JSON, then the databricks CLI commands).`,
  doctor: `databricks-oidc doctor [flags]
Which token sources were looked for, the token's claims, the audience, and Databricks variables
that would win in the SDKs' auth order.
  --json          the same as JSON`,
};

export function helpText(command: Command | undefined): string {
  if (command !== undefined) return `${COMMAND_HELP[command]}\n\n${FLAGS}\n`;
  return `databricks-oidc: a CI's OIDC token in, a Databricks token out.

Usage: databricks-oidc <command> [flags]

Commands:
  exchange   exchange and hand the result off (shell, dotenv, json, github, azure)
  exec       exchange, then run a command with the credentials in its environment
  token      print only the access token (cached), for apiKeyHelper and scripts
  serve      a local metadata service for the Databricks SDKs and CLI
  policy     the federation policy that would accept this job
  doctor     what was detected and why

Run databricks-oidc <command> --help for its flags. Exit codes: 0 done, 2 usage or bad input,
3 no token source, 4 CI token unavailable, 5 refused by Databricks, 6 transient failure.
`;
}
