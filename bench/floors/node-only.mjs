// Floor (b): the same HTTP requests as the action, in the same order, with Node built-ins only.
// No validation, no retries, no diagnostics: the least any implementation could do.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { URL, URLSearchParams } from 'node:url';
import { appendFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { randomUUID } from 'node:crypto';

const env = process.env;
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

const host = env['INPUT_HOST'];
const clientId = env['INPUT_CLIENT-ID'];
const instance = env['INPUT_LAKEBASE-INSTANCE'];
let audience = env['INPUT_AUDIENCE'] || undefined;
const metadata = call('GET', `${host}/.well-known/databricks-config`, {
  Accept: 'application/json',
});
if (audience === undefined)
  audience =
    (await metadata).token_federation_default_oidc_audiences?.[0] ?? `${host}/oidc/v1/token`;
const idUrl = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL);
idUrl.searchParams.set('audience', audience);
const [, { value: jwt }] = await Promise.all([
  metadata,
  call('GET', idUrl.href, {
    Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`,
    Accept: 'application/json',
  }),
]);
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
let output = `token=${token}\n`;
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
  output += `database-user=${me.userName}\ndatabase-host=${found.read_write_dns}\ndatabase-password=${credential.token}\n`;
}
appendFileSync(env.GITHUB_OUTPUT, output);
agent.destroy();
