// Starts the emulator with a demo service-principal policy and prints what a user needs to poke
// at it by hand. Run: node test/emulator/cli.ts   (Node 24; Ctrl-C stops it)

import { startEmulator } from './index.ts';

const DEMO_SP_ID = '5581763342009999';
const DEMO_CLIENT_ID = '6a4b2c1d-3e5f-4a7b-8c9d-0e1f2a3b4c5d';
const DEMO_INSTANCE = 'demo-instance';
const DEMO_ENDPOINT = 'projects/demo/branches/main/endpoints/primary';

const emulator = await startEmulator();
const { github, workspace, account } = emulator;
emulator.policies.addServicePrincipalPolicy({
  servicePrincipalId: DEMO_SP_ID,
  applicationId: DEMO_CLIENT_ID,
  issuer: github.issuer,
  subject: github.claims.sub,
  audiences: [account.accountId, `${workspace.url}/oidc/v1/token`, 'https://github.com/octo-org'],
});
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

const lines = [
  '# GitHub runner environment',
  `ACTIONS_ID_TOKEN_REQUEST_URL='${github.requestUrl}'`,
  `ACTIONS_ID_TOKEN_REQUEST_TOKEN='${github.requestToken}'`,
  '# action inputs (service-principal federation on the workspace)',
  `INPUT_HOST='${workspace.url}'`,
  `INPUT_CLIENT-ID='${DEMO_CLIENT_ID}'`,
  `INPUT_ACCOUNT-ID='${account.accountId}'`,
  `# account console: ${account.url}   issuer: ${github.issuer}   subject: ${github.claims.sub}`,
  `# Lakebase: instance '${DEMO_INSTANCE}', endpoint '${DEMO_ENDPOINT}'`,
  '# try:',
  `#   JWT=$(curl -s -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=${account.accountId}" | sed -E 's/.*"value":"([^"]+)".*/\\1/')`,
  `#   curl -s ${workspace.url}/oidc/v1/token -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange -d subject_token_type=urn:ietf:params:oauth:token-type:jwt -d scope=all-apis -d client_id=${DEMO_CLIENT_ID} -d subject_token=$JWT`,
];
console.log(lines.join('\n'));

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
