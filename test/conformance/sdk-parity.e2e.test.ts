// Conformance with a client nobody here wrote: the official Databricks SDK for Python.
// 1. On every host shape, the SDK's own github-oidc flow and the action pick the same token
//    endpoint and ask GitHub for the same audience.
// 2. Every hand-off (the action's export-env token and oidc, each CLI --format, exec, serve) is
//    consumed by the SDK in a later process.
// 3. The SDK as a client of the emulator: its requests are accepted and the answers parse into its
//    own types, which keeps the emulator a model of Databricks rather than of this project.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  JOB_SERVICE_PRINCIPAL,
  requestsTo,
  startEmulator,
  type Emulator,
  type RouteName,
} from '../emulator/index.ts';
import { runAction } from '../action/runner.ts';
import { CLI_ENTRY, cliLeaks, jobPath, runCli } from '../cli/runner.ts';
import { findLeaks } from '../support/leaks.ts';
import { findPythonSdk, ORACLE_PRESENT, type PythonSdk } from './python-sdk.ts';

const CLIENT_ID = JOB_SERVICE_PRINCIPAL.applicationId;
const TOKEN_ROUTES: RouteName[] = ['workspace.token', 'account.token', 'unified.token'];

const found = await findPythonSdk();
// With the oracle beside the clone (.ci/run installs its Debian packages) it must run, CI or not.
if (typeof found === 'string' && ORACLE_PRESENT) throw new Error(found);
if (typeof found === 'string') console.log(`SDK conformance suite not run: ${found}`);
const sdk = found as PythonSdk;

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => emu?.close());
beforeEach(() => emu.reset());

function trust(audience: string): void {
  emu.policies.addServicePrincipalPolicy({
    servicePrincipalId: JOB_SERVICE_PRINCIPAL.numericId,
    applicationId: CLIENT_ID,
    issuer: emu.github.issuer,
    subject: emu.github.claims.sub,
    audiences: [audience],
  });
}

/** What a run asked of GitHub and where it exchanged, from the requests the emulator recorded. */
function asked(from: number) {
  const requests = emu.requests.slice(from);
  return {
    audiences: [
      ...new Set(
        requests.filter((r) => r.route === 'github.idtoken').map((r) => r.query['audience']),
      ),
    ],
    endpoints: [
      ...new Set(
        requests
          .filter((r) => r.route !== undefined && TOKEN_ROUTES.includes(r.route))
          .map((r) => `${r.server}${r.path}`),
      ),
    ],
  };
}

const gitHubJob = () => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: emu.github.requestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.github.requestToken,
});

interface Shape {
  name: string;
  setUp(): { host: string; accountId?: string; audience: string; endpoint: string };
  /** Whether the host serves workspace APIs (SCIM Me), which the SDK then calls. */
  workspaceApis: boolean;
}

const SHAPES: Shape[] = [
  {
    name: 'a workspace without a default audience',
    workspaceApis: true,
    setUp: () => ({
      host: emu.workspace.url,
      audience: `${emu.workspace.url}/oidc/v1/token`,
      endpoint: 'workspace/oidc/v1/token',
    }),
  },
  {
    name: 'a workspace with a default audience',
    workspaceApis: true,
    setUp: () => {
      emu.workspace.metadata = {
        token_federation_default_oidc_audiences: ['https://github.com/octo-org'],
      };
      return {
        host: emu.workspace.url,
        audience: 'https://github.com/octo-org',
        endpoint: 'workspace/oidc/v1/token',
      };
    },
  },
  {
    name: 'an account console',
    workspaceApis: false,
    setUp: () => ({
      host: emu.account.url,
      accountId: emu.account.accountId,
      audience: emu.account.accountId,
      endpoint: `account/oidc/accounts/${emu.account.accountId}/v1/token`,
    }),
  },
  {
    name: 'a unified host',
    workspaceApis: true,
    setUp: () => {
      emu.workspace.metadata = { host_type: 'unified' };
      const path = `/oidc/accounts/${emu.account.accountId}/v1/token`;
      return {
        host: emu.workspace.url,
        audience: `${emu.workspace.url}${path}`,
        endpoint: `workspace${path}`,
      };
    },
  },
  {
    name: 'an account-level host (metadata with account_id, no workspace_id)',
    workspaceApis: true,
    setUp: () => {
      emu.workspace.metadata = { workspace_id: undefined };
      return {
        host: emu.workspace.url,
        audience: emu.account.accountId,
        endpoint: 'workspace/oidc/v1/token',
      };
    },
  },
];

describe.runIf(typeof found !== 'string')(`the Databricks SDK for Python (${sdk?.origin})`, () => {
  describe('picks the same token endpoint and audience as the project', () => {
    for (const shape of SHAPES)
      it(`on ${shape.name}`, async () => {
        const expected = shape.setUp();
        trust(expected.audience);
        const account =
          expected.accountId === undefined ? {} : { DATABRICKS_ACCOUNT_ID: expected.accountId };
        const before = emu.requests.length;
        const answer = await sdk.probe(
          'auth',
          {
            ...gitHubJob(),
            ...account,
            DATABRICKS_HOST: expected.host,
            DATABRICKS_CLIENT_ID: CLIENT_ID,
            DATABRICKS_AUTH_TYPE: 'github-oidc',
          },
          { me: shape.workspaceApis },
        );
        expect(answer, JSON.stringify(answer)).toMatchObject({
          ok: true,
          auth_type: 'github-oidc',
        });
        const bySdk = asked(before);
        const middle = emu.requests.length;
        const run = await runAction(
          {
            host: expected.host,
            'client-id': CLIENT_ID,
            ...(expected.accountId === undefined ? {} : { 'account-id': expected.accountId }),
          },
          { idToken: { url: emu.github.requestUrl, token: emu.github.requestToken } },
        );
        expect(run.exitCode, run.errors.join('\n')).toBe(0);
        expect(findLeaks(run, [...emu.secrets(), emu.github.requestToken])).toEqual([]);
        const byProject = asked(middle);
        expect(bySdk).toEqual({ audiences: [expected.audience], endpoints: [expected.endpoint] });
        expect(byProject).toEqual(bySdk);
        expect(run.outputs['audience']).toBe(expected.audience);
      });
  });

  describe('consumes every hand-off in a later process', () => {
    beforeEach(() => trust(`${emu.workspace.url}/oidc/v1/token`));
    const me = { ok: true, user_name: CLIENT_ID };

    it.each(['token', 'oidc'])('export-env: %s', async (mode) => {
      const run = await runAction(
        { host: emu.workspace.url, 'client-id': CLIENT_ID, 'export-env': mode },
        { idToken: { url: emu.github.requestUrl, token: emu.github.requestToken } },
      );
      expect(run.exitCode, run.errors.join('\n')).toBe(0);
      // A later step sees the exported variables and, for oidc, the job's own token request.
      const answer = await sdk.probe('auth', {
        ...run.env,
        ...(mode === 'oidc' ? gitHubJob() : {}),
      });
      expect(answer).toMatchObject({ ...me, auth_type: mode === 'token' ? 'pat' : 'github-oidc' });
    });

    /** The CLI on a GitLab job whose id token the policy accepts. */
    const gitlab = () => {
      const aud = `${emu.workspace.url}/oidc/v1/token`;
      emu.policies.addServicePrincipalPolicy({
        servicePrincipalId: JOB_SERVICE_PRINCIPAL.numericId,
        applicationId: CLIENT_ID,
        issuer: emu.ci.gitlab.issuer,
        subject: String(emu.ci.gitlab.claims['sub']),
        audiences: [aud],
      });
      return emu.ci.gitlab.jobEnv(aud, 'DATABRICKS_OIDC_TOKEN');
    };
    const settings = () => ['--host', emu.workspace.url, '--client-id', CLIENT_ID];

    const parsers: Record<string, (text: string) => Record<string, string>> = {
      dotenv: (text) =>
        Object.fromEntries(
          lines(text)
            .map((l) => splitOnce(l, '='))
            .map(([k, v]) => [k, unquote(v)]),
        ),
      json: (text) => JSON.parse(text) as Record<string, string>,
      azure: (text) =>
        Object.fromEntries(
          lines(text)
            .map((l) => /^##vso\[task\.setvariable variable=([A-Z_]+)[^\]]*\](.*)$/.exec(l))
            .filter((m) => m !== null)
            .map((m) => [m[1] ?? '', m[2] ?? '']),
        ),
    };

    it.each(Object.keys(parsers))('exchange --format %s, read by the next step', async (format) => {
      const dir = await mkdtemp(join(tmpdir(), 'conformance-'));
      const file = join(dir, 'handoff');
      const run = await runCli(['exchange', '--format', format, '--output', file, ...settings()], {
        ...gitlab(),
        HOME: dir,
        TMPDIR: dir,
      });
      expect(run.exitCode, run.stderr).toBe(0);
      const text = await readFile(file, 'utf8');
      expect(cliLeaks(run, emu.secrets(), [], {}, false)).toEqual([]);
      expect(await sdk.probe('auth', parsers[format]?.(text) ?? {})).toMatchObject({
        ...me,
        auth_type: 'pat',
      });
    });

    it('exchange --format shell, sourced by bash -e as the README recommends', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'conformance-'));
      const { argv, env } = sdk.command('auth');
      const script = `set -e; node ${CLI_ENTRY} exchange --format shell --output "$D/env" ${settings().join(' ')}; . "$D/env"; exec ${argv.join(' ')}`;
      const { stdout } = await promisify(execFile)('bash', ['-c', script], {
        env: { ...env, ...gitlab(), PATH: jobPath(), D: dir, HOME: dir, TMPDIR: dir },
      });
      expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
        ...me,
        auth_type: 'pat',
      });
    });

    it.each(['exec', 'serve'])('%s -- the SDK', async (command) => {
      const dir = await mkdtemp(join(tmpdir(), 'conformance-'));
      const { argv, env } = sdk.command('auth');
      const run = await runCli([command, ...settings(), '--', ...argv], {
        ...env,
        ...gitlab(),
        HOME: dir,
        TMPDIR: dir,
      });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(cliLeaks(run, emu.secrets(), [], {}, false)).toEqual([]);
      expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
        ...me,
        auth_type: command === 'exec' ? 'pat' : 'metadata-service',
      });
    });
  });

  it('is served by the emulator in its own types: PATs, on-behalf-of, SCIM, Lakebase of both kinds', async () => {
    trust(`${emu.workspace.url}/oidc/v1/token`);
    emu.pats.addAdmin(CLIENT_ID);
    const partner = emu.servicePrincipals.add({ displayName: 'FIVETRAN_USER' });
    emu.lakebase.addInstance({
      name: 'orders',
      state: 'AVAILABLE',
      readWriteDns: 'instance-1.database.example.test',
    });
    const endpoint = 'projects/shop/branches/main/endpoints/primary';
    emu.lakebase.addEndpoint({
      name: endpoint,
      state: 'ACTIVE',
      host: 'ep-1.database.example.test',
    });
    const run = await runAction(
      { host: emu.workspace.url, 'client-id': CLIENT_ID, 'export-env': 'token' },
      { idToken: { url: emu.github.requestUrl, token: emu.github.requestToken } },
    );
    expect(run.exitCode, run.errors.join('\n')).toBe(0);
    const answer = await sdk.probe('apis', run.env, {
      application_id: partner.applicationId,
      instance: 'orders',
      endpoint,
    });
    expect(answer, JSON.stringify(answer)).toEqual({
      ok: true,
      pat_create: { token_value: 'str', token_id: 'str', expiry_time: 'int' },
      pat_delete: 'ok',
      scim: [{ id: 'str', application_id: true }],
      obo_create: { token_value: 'str', token_id: 'str', owner_id: 'int' },
      obo_list: [{ owner_id: 'int', creation_time: 'int', expiry_time: 'int' }],
      obo_delete: 'ok',
      instance: { state: 'AVAILABLE', read_write_dns: 'str' },
      instance_credential: { token: 'str', expiration_time: 'str' },
      endpoint: { state: 'ACTIVE', host: 'str' },
      endpoint_credential: { token: 'str', expire_time: 'Timestamp' },
    });
    expect(emu.pats.live(partner.applicationId)).toEqual([]);
    const once: RouteName[] = [
      'tokens.create',
      'tokens.delete',
      'token-management.create-obo',
      'token-management.list',
      'token-management.delete',
      'lakebase.instance',
      'lakebase.instance-credential',
      'lakebase.endpoint',
      'lakebase.endpoint-credential',
    ];
    for (const route of once) expect(requestsTo(emu, route), route).toHaveLength(1);
    // The SDK pages SCIM until a page comes back empty (startIndex advances by the results).
    expect(
      requestsTo(emu, 'workspace.scim-service-principals').map((r) => r.query['startIndex']),
    ).toEqual(['1', '2']);
  });
});

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

function splitOnce(line: string, separator: string): [string, string] {
  const at = line.indexOf(separator);
  return [line.slice(0, at), line.slice(at + 1)];
}

function unquote(value: string): string {
  return /^'.*'$/.test(value) ? value.slice(1, -1).replaceAll(`'\\''`, `'`) : value;
}
