import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CI_NAMES, requestsTo, startEmulator, type CiIssuer, type Emulator } from './index.ts';
import { decodeJwt, verifySignature, type PublicJwk } from './jwt.ts';

const SP = {
  servicePrincipalId: '5581763342001234',
  applicationId: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
};

let emu: Emulator;
let audience: string;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
  audience = `${emu.workspace.url}/oidc/v1/token`;
});

function payload(jwt: string): Record<string, unknown> {
  const decoded = decodeJwt(jwt);
  if (!decoded) throw new Error(`not a JWT: ${jwt}`);
  return decoded.payload;
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The JWT's signature checked against the keys its issuer publishes over HTTP. */
async function verifiesAgainstOwnJwks(ci: CiIssuer, jwt: string): Promise<boolean> {
  const discovery = await getJson(`${ci.issuer}/.well-known/openid-configuration`);
  expect(discovery['issuer']).toBe(ci.issuer);
  const jwks = await getJson(String(discovery['jwks_uri']));
  const decoded = decodeJwt(jwt);
  if (!decoded) return false;
  return (jwks['keys'] as PublicJwk[]).some((k) => verifySignature(decoded, k));
}

async function exchange(jwt: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emu.workspace.url}/oidc/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      subject_token: jwt,
      scope: 'all-apis',
      client_id: SP.applicationId,
    }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function addPolicy(
  ci: CiIssuer,
  subject: string,
  extra: { subjectClaim?: string; audiences?: string[] } = {},
) {
  emu.policies.addServicePrincipalPolicy({
    ...SP,
    issuer: ci.issuer,
    subject,
    audiences: extra.audiences ?? [audience],
    ...(extra.subjectClaim === undefined ? {} : { subjectClaim: extra.subjectClaim }),
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a stand-in asynchronously (the emulator answers from this process). */
function run(tool: string, args: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const PATH = [emu.ci.binDir, dirname(process.execPath), process.env['PATH'] ?? ''].join(
      delimiter,
    );
    const child = spawn(tool, args, { env: { ...env, PATH }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('route recording', () => {
  it('records the matched route, undefined when none matched', async () => {
    await fetch(`${emu.workspace.url}/.well-known/databricks-config`);
    await fetch(`${emu.workspace.url}/no/such/path`);
    await fetch(`${emu.ci.gitlab.issuer}/.well-known/openid-configuration`);
    expect(emu.requests.map((r) => r.route)).toEqual([
      'workspace.metadata',
      undefined,
      'ci.discovery',
    ]);
    expect(requestsTo(emu, 'workspace.metadata')).toHaveLength(1);
    expect(requestsTo(emu, 'ci.discovery')[0]?.server).toBe('ci');
  });
});

describe('one issuer per CI', () => {
  it('serves eight distinct issuers on the ci server, each with its own key', async () => {
    const names = emu.ci.issuers.map((i) => i.name);
    expect(names).toEqual([...CI_NAMES]);
    expect(names).toHaveLength(8);
    const kids = new Set<string>();
    for (const ci of emu.ci.issuers) {
      expect(ci.issuer.startsWith(`${emu.ci.url}/`)).toBe(true);
      const jwks = await getJson(ci.jwksUri);
      for (const k of jwks['keys'] as PublicJwk[]) kids.add(String(k.kid));
    }
    expect(kids.size).toBe(8);
  });

  it.each(CI_NAMES)('%s: its JWT verifies against its own JWKS, not another CI’s', async (name) => {
    const ci = emu.ci.issuers.find((i) => i.name === name);
    if (!ci) throw new Error(name);
    const other = emu.ci.issuers.find((i) => i.name !== name) as CiIssuer;
    const jwt = ci.mintJwt();
    expect(payload(jwt)['iss']).toBe(ci.issuer);
    expect(await verifiesAgainstOwnJwks(ci, jwt)).toBe(true);
    expect(await verifiesAgainstOwnJwks(other, jwt)).toBe(false);
    expect(await verifiesAgainstOwnJwks(ci, ci.mintJwt({}, { signWithForeignKey: true }))).toBe(
      false,
    );
    expect(emu.secrets()).toContain(jwt);
  });

  it.each(CI_NAMES)(
    '%s: the workspace accepts its JWT for a matching policy, refuses a wrong subject',
    async (name) => {
      const ci = emu.ci.issuers.find((i) => i.name === name);
      if (!ci) throw new Error(name);
      addPolicy(ci, ci.claims.sub);
      const ok = await exchange(ci.mintJwt({ aud: audience }));
      expect(ok.status).toBe(200);
      expect(ok.json['access_token']).toEqual(expect.any(String));
      const fetched = requestsTo(emu, 'ci.jwks').map((r) => r.path);
      expect(fetched).toEqual([new URL(ci.jwksUri).pathname]);

      emu.reset();
      addPolicy(ci, `${ci.claims.sub}-other`);
      const refused = await exchange(ci.mintJwt({ aud: audience }));
      expect(refused.status).toBe(400);
      expect(refused.json['error_description']).toMatch(/no matching federation policy/);
    },
  );

  it('has realistic subjects and issuer shapes', () => {
    const { gitlab, azureDevops, circleci, buildkite, bitbucket, terraformCloud, kubernetes } =
      emu.ci;
    expect(gitlab.claims.sub).toBe('project_path:my-group/my-project:ref_type:branch:ref:main');
    expect(azureDevops.claims.sub).toBe('p://my-org/my-project/my-pipeline');
    expect(azureDevops.defaultAudience).toBe('api://AzureADTokenExchange');
    expect(circleci.issuer).toBe(`${emu.ci.url}/circleci/org/${circleci.orgId}`);
    expect(circleci.claims.sub).toMatch(/^org\/[0-9a-f-]+\/project\/[0-9a-f-]+\/user\/[0-9a-f-]+$/);
    expect(buildkite.claims.sub).toMatch(
      /^organization:acme:pipeline:deploy:ref:refs\/heads\/main:commit:[0-9a-f]{40}:step:$/,
    );
    expect(bitbucket.claims.sub).toBe(
      `${String(bitbucket.claims['repositoryUuid'])}:${String(bitbucket.claims['stepUuid'])}`,
    );
    expect(terraformCloud.claims.sub).toBe(
      'organization:acme:project:Default:workspace:prod:run_phase:apply',
    );
    expect(kubernetes.claims.sub).toBe('system:serviceaccount:ci:deployer');
    expect(payload(kubernetes.mintJwt())['aud']).toEqual(['https://kubernetes.default.svc']);
  });
});

describe('policies pinning a claim other than sub', () => {
  it('CircleCI: CIRCLE_OIDC_TOKEN_V2 (aud = org id) with subject_claim oidc.circleci.com/project-id', async () => {
    const { circleci } = emu.ci;
    const env = circleci.jobEnv();
    expect(env['CIRCLECI']).toBe('true');
    const jwt = env['CIRCLE_OIDC_TOKEN_V2'] ?? '';
    expect(payload(jwt)['aud']).toBe(circleci.orgId);
    expect(payload(jwt)['sub']).toMatch(
      /\/vcs-origin\/github\.com\/acme\/deploy\/vcs-ref\/refs\/heads\/main$/,
    );
    addPolicy(circleci, circleci.projectId, {
      subjectClaim: 'oidc.circleci.com/project-id',
      audiences: [circleci.orgId],
    });
    expect((await exchange(jwt)).status).toBe(200);
    expect(
      (
        await exchange(
          circleci.mintJwt({ 'oidc.circleci.com/project-id': 'other', aud: circleci.orgId }),
        )
      ).status,
    ).toBe(400);
  });

  it('Buildkite: subject_claim pipeline_id', async () => {
    const { buildkite } = emu.ci;
    addPolicy(buildkite, String(buildkite.claims['pipeline_id']), { subjectClaim: 'pipeline_id' });
    expect((await exchange(buildkite.mintJwt({ aud: audience }))).status).toBe(200);
    expect((await exchange(buildkite.mintJwt({ aud: audience, pipeline_id: 'x' }))).status).toBe(
      400,
    );
  });

  it('Bitbucket: BITBUCKET_STEP_OIDC_TOKEN with subject_claim repositoryUuid', async () => {
    const { bitbucket } = emu.ci;
    const env = bitbucket.jobEnv(audience);
    expect(env['BITBUCKET_BUILD_NUMBER']).toEqual(expect.any(String));
    addPolicy(bitbucket, String(bitbucket.claims['repositoryUuid']), {
      subjectClaim: 'repositoryUuid',
    });
    expect((await exchange(env['BITBUCKET_STEP_OIDC_TOKEN'] ?? '')).status).toBe(200);
    expect(payload(bitbucket.jobEnv()['BITBUCKET_STEP_OIDC_TOKEN'] ?? '')['aud']).toBe(
      bitbucket.defaultAudience,
    );
  });
});

describe('job environments', () => {
  it('GitLab, HCP Terraform and Jenkins hand the job a JWT for the chosen audience', async () => {
    const { gitlab, terraformCloud, jenkins } = emu.ci;
    const gl = gitlab.jobEnv(audience);
    expect(gl['GITLAB_CI']).toBe('true');
    const tfc = terraformCloud.jobEnv(audience);
    const tagged = terraformCloud.jobEnv(audience, 'DATABRICKS');
    const jen = jenkins.jobEnv(audience);
    expect(jen['JENKINS_URL']).toBe(`${emu.ci.url}/jenkins/`);
    const cases: Array<[CiIssuer, string | undefined]> = [
      [gitlab, gl['DATABRICKS_OIDC_TOKEN']],
      [terraformCloud, tfc['TFC_WORKLOAD_IDENTITY_TOKEN']],
      [terraformCloud, tagged['TFC_WORKLOAD_IDENTITY_TOKEN_DATABRICKS']],
      [jenkins, jen['DATABRICKS_OIDC_TOKEN']],
    ];
    for (const [ci, jwt] of cases) {
      emu.reset();
      addPolicy(ci, ci.claims.sub);
      expect(payload(jwt ?? '')['aud']).toBe(audience);
      expect((await exchange(jwt ?? '')).status).toBe(200);
    }
    expect(Object.keys(gitlab.jobEnv(audience, 'MY_ID_TOKEN'))).toContain('MY_ID_TOKEN');
  });
});

describe('Azure Pipelines OIDC endpoint', () => {
  /** The URL the Databricks SDKs build from the pipeline variables. */
  function sdkUrl(env: Record<string, string>, apiVersion = '7.2-preview.1'): string {
    const base = `${env['SYSTEM_TEAMFOUNDATIONCOLLECTIONURI'] ?? ''}${env['SYSTEM_TEAMPROJECTID'] ?? ''}`;
    const path = `/_apis/distributedtask/hubs/${env['SYSTEM_HOSTTYPE'] ?? ''}/plans/${env['SYSTEM_PLANID'] ?? ''}/jobs/${env['SYSTEM_JOBID'] ?? ''}/oidctoken`;
    return `${base}${path}${apiVersion === '' ? '' : `?api-version=${apiVersion}`}`;
  }

  async function post(url: string, bearer: string | undefined) {
    const headers: Record<string, string> = { 'x-tfs-fedauthredirect': 'Suppress' };
    if (bearer !== undefined) headers['authorization'] = `Bearer ${bearer}`;
    const res = await fetch(url, { method: 'POST', headers });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('exposes the pipeline env', () => {
    const env = emu.ci.azureDevops.pipelineEnv();
    expect(env).toMatchObject({ TF_BUILD: 'True', SYSTEM_HOSTTYPE: 'build' });
    expect(env['SYSTEM_TEAMFOUNDATIONCOLLECTIONURI']).toMatch(/\/$/);
    expect(env['SYSTEM_ACCESSTOKEN']).toBe(emu.ci.azureDevops.systemAccessToken);
    expect(emu.secrets()).toContain(emu.ci.azureDevops.systemAccessToken);
    expect(sdkUrl(env, '')).toBe(env['SYSTEM_OIDCREQUESTURI']);
  });

  it('answers the SDK-built URL and SYSTEM_OIDCREQUESTURI with an exchangeable token', async () => {
    const ado = emu.ci.azureDevops;
    const env = ado.pipelineEnv();
    const token = env['SYSTEM_ACCESSTOKEN'];
    for (const url of [sdkUrl(env), `${env['SYSTEM_OIDCREQUESTURI'] ?? ''}?api-version=7.1`]) {
      const res = await post(url, token);
      expect(res.status).toBe(200);
      const jwt = String(res.json['oidcToken']);
      expect(payload(jwt)).toMatchObject({
        aud: 'api://AzureADTokenExchange',
        sub: ado.claims.sub,
        iss: ado.issuer,
      });
      emu.reset();
      addPolicy(ado, ado.claims.sub, { audiences: ['api://AzureADTokenExchange'] });
      expect((await exchange(jwt)).status).toBe(200);
    }
    expect(requestsTo(emu, 'ci.azure-devops.oidctoken').length).toBe(0); // reset() cleared them
  });

  it('gives the service-connection subject for serviceConnectionId', async () => {
    const ado = emu.ci.azureDevops;
    const url = `${sdkUrl(ado.pipelineEnv())}&serviceConnectionId=${ado.serviceConnection.id}`;
    const res = await post(url, ado.systemAccessToken);
    expect(payload(String(res.json['oidcToken']))['sub']).toBe(
      'sc://my-org/my-project/my-connection',
    );
    expect(
      (await post(`${sdkUrl(ado.pipelineEnv())}&serviceConnectionId=nope`, ado.systemAccessToken))
        .status,
    ).toBe(400);
  });

  it('refuses a missing or wrong bearer, a missing api-version and an unknown job', async () => {
    const ado = emu.ci.azureDevops;
    const env = ado.pipelineEnv();
    expect((await post(sdkUrl(env), undefined)).status).toBe(401);
    expect((await post(sdkUrl(env), 'wrong')).status).toBe(401);
    const noVersion = await post(sdkUrl(env, ''), ado.systemAccessToken);
    expect(noVersion.status).toBe(400);
    expect(noVersion.json['message']).toMatch(/api-version/);
    const unknownJob = sdkUrl({ ...env, SYSTEM_JOBID: 'other' });
    expect((await post(unknownJob, ado.systemAccessToken)).status).toBe(404);
    const recorded = requestsTo(emu, 'ci.azure-devops.oidctoken');
    expect(recorded).toHaveLength(4);
  });
});

describe('stand-in executables', () => {
  it('circleci run oidc get --claims prints a JWT with the requested aud', async () => {
    const { circleci } = emu.ci;
    const out = await run(
      'circleci',
      ['run', 'oidc', 'get', '--claims', '{"aud":"X"}'],
      circleci.jobEnv(),
    );
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout.endsWith('\n')).toBe(true);
    const jwt = out.stdout.trimEnd();
    expect(payload(jwt)).toMatchObject({ aud: 'X', iss: circleci.issuer });
    expect(await verifiesAgainstOwnJwks(circleci, jwt)).toBe(true);
    expect(emu.secrets()).toContain(jwt);
    const eq = await run(
      'circleci',
      ['run', 'oidc', 'get', `--claims={"aud":"${audience}"}`],
      circleci.jobEnv(),
    );
    expect(payload(eq.stdout.trimEnd())['aud']).toBe(audience);
    expect(requestsTo(emu, 'ci.circleci.oidc')).toHaveLength(2);
  });

  it('circleci fails on bad arguments and on claims other than aud', async () => {
    const env = emu.ci.circleci.jobEnv();
    const cases = [
      ['run', 'oidc'],
      ['run', 'oidc', 'get', '--claims'],
      ['run', 'oidc', 'get', '--claims', 'not json'],
      ['run', 'oidc', 'get', '--audience', 'X'],
    ];
    const outs = await Promise.all(cases.map((args) => run('circleci', args, env)));
    outs.forEach((out, i) => {
      expect(out.code, cases[i]?.join(' ')).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/^circleci: /);
    });
    const sub = await run('circleci', ['run', 'oidc', 'get', '--claims', '{"sub":"x"}'], env);
    expect(sub.code).toBe(1);
    expect(sub.stderr).toMatch(/Only the aud claim/);
    const outside = await run('circleci', ['run', 'oidc', 'get'], {});
    expect(outside.code).toBe(1);
  });

  it('buildkite-agent oidc request-token --audience prints a JWT with that aud', async () => {
    const { buildkite } = emu.ci;
    const env = buildkite.jobEnv();
    expect(env['BUILDKITE']).toBe('true');
    const out = await run('buildkite-agent', ['oidc', 'request-token', '--audience', 'X'], env);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout.endsWith('\n')).toBe(true);
    const plain = payload(out.stdout.trimEnd());
    expect(plain).toMatchObject({ aud: 'X', sub: buildkite.claims.sub, iss: buildkite.issuer });
    expect(plain['pipeline_id']).toBeUndefined();

    const args = [
      'oidc',
      'request-token',
      '--audience',
      audience,
      '--claim',
      'pipeline_id',
      '--lifetime',
      '120',
    ];
    const pinned = await run('buildkite-agent', args, env);
    const jwt = pinned.stdout.trimEnd();
    const claims = payload(jwt);
    expect(claims['pipeline_id']).toBe(buildkite.claims['pipeline_id']);
    expect(Number(claims['exp']) - Number(claims['iat'])).toBe(120);
    addPolicy(buildkite, String(buildkite.claims['pipeline_id']), { subjectClaim: 'pipeline_id' });
    expect((await exchange(jwt)).status).toBe(200);
    const recorded = requestsTo(emu, 'ci.buildkite.oidc');
    expect(recorded.map((r) => r.headers['authorization'])).toEqual([
      `Token ${buildkite.agentAccessToken}`,
      `Token ${buildkite.agentAccessToken}`,
    ]);
  });

  it('buildkite-agent fails on bad arguments', async () => {
    const env = emu.ci.buildkite.jobEnv();
    const cases = [
      [],
      ['oidc'],
      ['oidc', 'request-token', '--audiance', 'X'],
      ['oidc', 'request-token', '--audience'],
      ['oidc', 'request-token', '--lifetime', 'soon'],
      ['redactor', 'add', 'extra'],
    ];
    const outs = await Promise.all(cases.map((args) => run('buildkite-agent', args, env)));
    outs.forEach((out, i) => {
      expect(out.code, cases[i]?.join(' ')).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/^buildkite-agent: /);
    });
    const unknownClaim = await run(
      'buildkite-agent',
      ['oidc', 'request-token', '--claim', 'nope'],
      env,
    );
    expect(unknownClaim.code).toBe(1);
  });

  it('buildkite-agent redactor add records the stdin value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redactor-'));
    try {
      const log = join(dir, 'redactor.log');
      const env = { ...emu.ci.buildkite.jobEnv(), BUILDKITE_REDACTOR_LOG: log };
      expect((await run('buildkite-agent', ['redactor', 'add'], env, 'dapi-secret\n')).code).toBe(
        0,
      );
      expect((await run('buildkite-agent', ['redactor', 'add'], env, 'second')).code).toBe(0);
      expect((await run('buildkite-agent', ['redactor', 'add'], env, '')).code).toBe(1);
      const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l) as string)).toEqual(['dapi-secret', 'second']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reset()', () => {
  it('restores default claims and keeps the keys', async () => {
    const { gitlab } = emu.ci;
    const before = await getJson(gitlab.jwksUri);
    const sub = gitlab.claims.sub;
    gitlab.claims.sub = 'changed';
    gitlab.claims['extra'] = 1;
    emu.reset();
    expect(gitlab.claims.sub).toBe(sub);
    expect(gitlab.claims['extra']).toBeUndefined();
    expect(await getJson(gitlab.jwksUri)).toEqual(before);
  });
});
