// Starts the emulator with a demo policy for one CI's job and prints that job's environment, so
// that anyone can try the command line (or the action) for their CI in a minute. Node 24; Ctrl-C
// stops it.
//
//   node test/emulator/cli.ts [--ci github|gitlab|azure-devops|circleci|buildkite|bitbucket|
//                              terraform-cloud|jenkins|kubernetes] [--lifetime SECONDS]
//
// stdout: `export NAME='value'` lines (eval them, or copy them into a shell), comments with what to
// try, then "# ready". --lifetime sets how long the CI's JWTs live (default: that CI's own), to see
// what a nearly spent token does. Tokens handed to the job as they are (GitLab, Bitbucket, HCP
// Terraform, Jenkins, Kubernetes) are minted once, at start: restart the emulator for fresh ones.

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CI_NAMES, startEmulator, type CiName, type Emulator, type JobEnv } from './index.ts';

const DEMO_SP_ID = '5581763342009999';
const DEMO_CLIENT_ID = '6a4b2c1d-3e5f-4a7b-8c9d-0e1f2a3b4c5d';
const DEMO_INSTANCE = 'demo-instance';
const DEMO_ENDPOINT = 'projects/demo/branches/main/endpoints/primary';

const CIS = ['github', ...CI_NAMES] as const;
type Ci = (typeof CIS)[number];

/** Where `sub` changes every run, the claim the demo policy pins instead (as `policy` suggests). */
const PINNED: Partial<Record<CiName, string>> = {
  circleci: 'oidc.circleci.com/project-id',
  buildkite: 'pipeline_id',
  bitbucket: 'repositoryUuid',
};

function usage(message: string): never {
  process.stderr.write(
    `emulator: ${message}\nusage: node test/emulator/cli.ts [--ci ${CIS.join('|')}] [--lifetime SECONDS]\n`,
  );
  process.exit(2);
}

function options(): { ci: Ci; lifetime: number | undefined } {
  let values: { ci?: string; lifetime?: string };
  try {
    ({ values } = parseArgs({ options: { ci: { type: 'string' }, lifetime: { type: 'string' } } }));
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const ci = values.ci ?? 'github';
  if (!(CIS as readonly string[]).includes(ci)) usage(`unknown CI "${ci}"`);
  const lifetime = values.lifetime === undefined ? undefined : Number(values.lifetime);
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime > 0))
    usage('--lifetime takes a whole number of seconds');
  return { ci: ci as Ci, lifetime };
}

/** The job's own variables, and what else a user needs on that CI. */
function jobEnv(emulator: Emulator, ci: Ci, aud: string): { env: JobEnv; notes: string[] } {
  const side = emulator.ci;
  const stand = { PATH: `${side.binDir}:${process.env['PATH'] ?? ''}` };
  switch (ci) {
    case 'github':
      return {
        env: {
          GITHUB_ACTIONS: 'true',
          ACTIONS_ID_TOKEN_REQUEST_URL: emulator.github.requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: emulator.github.requestToken,
        },
        notes: ['the action reads INPUT_HOST and INPUT_CLIENT-ID instead of DATABRICKS_*'],
      };
    case 'gitlab':
      return {
        env: side.gitlab.jobEnv(aud),
        notes: ['id_tokens: DATABRICKS_OIDC_TOKEN, aud the token endpoint'],
      };
    case 'azure-devops':
      return {
        env: side.azureDevops.pipelineEnv(),
        notes: [
          `service connection: --azure-service-connection ${side.azureDevops.serviceConnection.id}`,
        ],
      };
    case 'circleci':
      return {
        env: { ...side.circleci.jobEnv(), ...stand },
        notes: [
          'a stand-in circleci is first on PATH; try also --audience with the token endpoint',
        ],
      };
    case 'buildkite':
      return {
        env: { ...side.buildkite.jobEnv(), ...stand },
        notes: ['a stand-in buildkite-agent is first on PATH'],
      };
    case 'bitbucket':
      return { env: side.bitbucket.jobEnv(aud), notes: [] };
    case 'terraform-cloud':
      return { env: side.terraformCloud.jobEnv(aud, 'DATABRICKS'), notes: [] };
    case 'jenkins':
      return { env: side.jenkins.jobEnv(aud), notes: [] };
    case 'kubernetes': {
      const file = join(tmpdir(), `emulator-k8s-token-${process.pid}`);
      writeFileSync(file, side.kubernetes.mintJwt({ aud: [aud] }), { mode: 0o600 });
      return {
        env: { ...side.kubernetes.jobEnv(), DATABRICKS_OIDC_TOKEN_FILEPATH: file },
        notes: [`the projected token is the file ${file}`],
      };
    }
  }
}

function trust(
  emulator: Emulator,
  ci: Ci,
  audiences: string[],
): { issuer: string; subject: string } {
  const issuer = ci === 'github' ? emulator.github : emulator.ci.issuers.find((i) => i.name === ci);
  if (issuer === undefined) throw new Error(`no issuer for ${ci}`);
  const claim = ci === 'github' ? undefined : PINNED[ci];
  const subject = String(issuer.claims[claim ?? ('sub' as keyof typeof issuer.claims)]);
  emulator.policies.addServicePrincipalPolicy({
    servicePrincipalId: DEMO_SP_ID,
    applicationId: DEMO_CLIENT_ID,
    issuer: issuer.issuer,
    subject,
    ...(claim === undefined ? {} : { subjectClaim: claim }),
    audiences: [
      ...audiences,
      ...('defaultAudience' in issuer ? [issuer.defaultAudience].flat() : []),
    ],
  });
  return { issuer: issuer.issuer, subject };
}

const { ci, lifetime } = options();
const emulator = await startEmulator();
const { workspace, account } = emulator;
if (lifetime !== undefined) {
  emulator.github.lifetimeSeconds = lifetime;
  for (const issuer of emulator.ci.issuers) issuer.lifetimeSeconds = lifetime;
}
const tokenEndpoint = `${workspace.url}/oidc/v1/token`;
const policy = trust(emulator, ci, [
  account.accountId,
  tokenEndpoint,
  'https://github.com/octo-org',
]);
emulator.lakebase.addInstance({
  name: DEMO_INSTANCE,
  state: 'AVAILABLE',
  readWriteDns: 'instance-demo.database.example.test',
});
emulator.lakebase.addEndpoint({
  name: DEMO_ENDPOINT,
  state: 'ACTIVE',
  host: 'ep-demo.database.example.test',
});
const { env, notes } = jobEnv(emulator, ci, tokenEndpoint);
const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
const lines = [
  `# a ${ci} job${lifetime === undefined ? '' : ` whose OIDC tokens live ${lifetime} s`}`,
  ...Object.entries(env).map(([name, value]) => `export ${name}=${quote(value)}`),
  '# the settings of the command line (and the Databricks SDKs)',
  `export DATABRICKS_HOST=${quote(workspace.url)}`,
  `export DATABRICKS_CLIENT_ID=${quote(DEMO_CLIENT_ID)}`,
  ...(ci === 'github'
    ? [
        `export INPUT_HOST=${quote(workspace.url)}`,
        `export INPUT_CLIENT-ID=${quote(DEMO_CLIENT_ID)}`,
      ].map((l) => `# ${l}`)
    : []),
  `# policy: issuer ${policy.issuer}, subject ${policy.subject}; account console ${account.url} (${account.accountId})`,
  `# Lakebase: instance '${DEMO_INSTANCE}', endpoint '${DEMO_ENDPOINT}'`,
  ...notes.map((note) => `# ${note}`),
  '# try: node dist/cli.js doctor; node dist/cli.js exchange; node dist/cli.js exec -- env',
  '# ready',
];
console.log(lines.join('\n'));

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
