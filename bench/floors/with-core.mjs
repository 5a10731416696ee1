// Floor (a): floor (b) plus @actions/core for inputs, masking and outputs, as any action must load
// it. Bundled with ncc by bench/run.ts, as the action is.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { URL, URLSearchParams } from 'node:url';
import * as core from '@actions/core';
import { request, Agent } from 'node:http';
import { randomUUID } from 'node:crypto';

const agent = new Agent({ keepAlive: true });

function call(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const host = core.getInput('host');
const clientId = core.getInput('client-id');
const instance = core.getInput('lakebase-instance');
let audience = core.getInput('audience') || undefined;
const metadata = call('GET', `${host}/.well-known/databricks-config`, {
  Accept: 'application/json',
});
if (audience === undefined)
  audience =
    (await metadata).token_federation_default_oidc_audiences?.[0] ?? `${host}/oidc/v1/token`;
const idUrl = new URL(process.env.ACTIONS_ID_TOKEN_REQUEST_URL);
idUrl.searchParams.set('audience', audience);
const [, { value: jwt }] = await Promise.all([
  metadata,
  call('GET', idUrl.href, {
    Authorization: `Bearer ${process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`,
    Accept: 'application/json',
  }),
]);
core.setSecret(jwt);
const form = new URLSearchParams({
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  subject_token: jwt,
  scope: 'all-apis',
  client_id: clientId,
});
const { access_token: token } = await call(
  'POST',
  `${host}/oidc/v1/token`,
  { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
  form.toString(),
);
core.setSecret(token);
core.setOutput('token', token);
core.exportVariable('DATABRICKS_TOKEN', token);
if (instance) {
  const bearer = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  const [me, found, credential] = await Promise.all([
    call('GET', `${host}/api/2.0/preview/scim/v2/Me`, bearer),
    call('GET', `${host}/api/2.0/database/instances/${instance}`, bearer),
    call(
      'POST',
      `${host}/api/2.0/database/credentials`,
      { ...bearer, 'Content-Type': 'application/json' },
      JSON.stringify({ request_id: randomUUID(), instance_names: [instance] }),
    ),
  ]);
  core.setSecret(credential.token);
  core.setOutput('database-user', me.userName);
  core.setOutput('database-host', found.read_write_dns);
  core.setOutput('database-password', credential.token);
}
agent.destroy();
