// `node tools/live-check.ts` as a user runs it, against the emulator with a GitHub-style OIDC token
// service: every item is in the report with the emulator's own answers, no secret and no id shows,
// and every token it made is deleted again.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ActionRun } from '../action/runner.ts';
import { jobPath } from '../cli/runner.ts';
import { WORKSPACE_ID } from '../emulator/databricks.ts';
import {
  addJobPolicy,
  JOB_SERVICE_PRINCIPAL,
  requestsTo,
  startEmulator,
  type Emulator,
} from '../emulator/index.ts';
import { findLeaks } from '../support/leaks.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OBO_SP = {
  displayName: 'FIVETRAN_USER',
  applicationId: 'b5e0c1d2-7a43-4c8e-9f10-2d3e4f5a6b7c',
};

interface LiveCheckRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  summary: string;
}

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => emu?.close());
beforeEach(() => {
  emu.reset();
  emu.pats.addAdmin(JOB_SERVICE_PRINCIPAL.applicationId);
});

/** The environment of a GitHub job with id-token: write, pointed at the emulator's workspace. */
function jobEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABRICKS_HOST: emu.workspace.url,
    DATABRICKS_CLIENT_ID: JOB_SERVICE_PRINCIPAL.applicationId,
    ACTIONS_ID_TOKEN_REQUEST_URL: emu.github.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.github.requestToken,
    ...extra,
  };
}

async function liveCheck(env: Record<string, string>): Promise<LiveCheckRun> {
  const summaryFile = join(await mkdtemp(join(tmpdir(), 'live-check-')), 'summary');
  await writeFile(summaryFile, '');
  const run = await new Promise<Omit<LiveCheckRun, 'summary'>>((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'tools', 'live-check.ts')],
      {
        cwd: ROOT,
        env: { PATH: jobPath(), GITHUB_STEP_SUMMARY: summaryFile, ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ exitCode, stdout, stderr });
      },
    );
  });
  const result = { ...run, summary: await readFile(summaryFile, 'utf8') };
  const asAction: ActionRun = {
    ...result,
    outputs: {},
    env: {},
    state: {},
    masks: [],
    errors: [],
    notices: [],
    warnings: [],
    log: [],
  };
  expect(findLeaks(asAction, emu.secrets())).toEqual([]);
  return result;
}

/** The report's table row for an item, by its first column. */
function row(report: string, item: string): string {
  const found = report.split('\n').filter((line) => line.startsWith(`| ${item} |`));
  expect(found, `a row for ${item}`).toHaveLength(1);
  return found[0] ?? '';
}

/** What the emulator answers a bearer it does not know, asked directly. */
async function emulatorRefusal(): Promise<{ status: number; message: string }> {
  const answer = await fetch(`${emu.workspace.url}/api/2.0/preview/scim/v2/Me`, {
    headers: { Authorization: 'Bearer dapi00000000000000000000000000000000' },
  });
  const body = (await answer.json()) as { message: string };
  return { status: answer.status, message: body.message };
}

function ids(): string[] {
  return [
    emu.account.accountId,
    WORKSPACE_ID,
    JOB_SERVICE_PRINCIPAL.applicationId,
    JOB_SERVICE_PRINCIPAL.numericId,
    new URL(emu.workspace.url).host,
    new URL(emu.account.url).host,
    ...emu.servicePrincipals.list().flatMap((sp) => [sp.id, sp.applicationId]),
    ...emu.pats.tokens.map((token) => token.tokenId),
  ];
}

describe('live-check against a workspace', () => {
  it('reports every item with the emulator’s answers and deletes every token it made', async () => {
    addJobPolicy(emu);
    emu.servicePrincipals.add(OBO_SP);
    const run = await liveCheck(jobEnv({ LIVE_CHECK_OBO_APPLICATION_ID: OBO_SP.applicationId }));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const report = run.stdout;
    expect(run.summary).toBe(report);

    const metadata = (await (
      await fetch(`${emu.workspace.url}/.well-known/databricks-config`)
    ).json()) as { host_type: string };
    expect(row(report, 'A1, A2, A3, A6')).toContain(
      `| 200 | \`{host_type: "${metadata.host_type}"`,
    );
    expect(row(report, 'A5')).toContain('token_endpoint: "[host]/oidc/v1/token"');
    expect(row(report, 'B1–B5')).toMatch(
      /\| 200 \| `\{access_token: string, token_type: "Bearer", expires_in: \d+/,
    );
    const oauthRefusal = /\| 4\d\d \| `\{error: "\w+", error_description: "[^"]+"\}/;
    expect(row(report, 'B10 (unknown client id)')).toMatch(oauthRefusal);
    expect(row(report, 'B10 (wrong audience)')).toMatch(oauthRefusal);
    const audiences = requestsTo(emu, 'github.idtoken').map((request) => request.query['audience']);
    expect(audiences).toEqual([
      `${emu.workspace.url}/oidc/v1/token`,
      'https://live-check.invalid/no-policy-lists-this-audience',
    ]);
    const clients = requestsTo(emu, 'workspace.token').map(
      (request) => request.form?.['client_id'],
    );
    expect(clients).toEqual([
      JOB_SERVICE_PRINCIPAL.applicationId,
      '00000000-0000-4000-8000-000000000000',
      JOB_SERVICE_PRINCIPAL.applicationId,
    ]);
    expect(row(report, 'D1, D2')).toContain(
      '| 200 | `{token_value: string, token_info: {token_id: string',
    );
    expect(row(report, 'D8, C5')).toContain('bearer: the PAT itself` | 200 | `{};');
    const refusal = await emulatorRefusal();
    expect(report).toContain(
      `C3: a deleted PAT on a workspace API: HTTP ${refusal.status}, error_code`,
    );
    expect(report).toContain(`message \`${refusal.message}\``);
    expect(row(report, 'D7')).toContain('| 404 | `{error_code: "RESOURCE_DOES_NOT_EXIST"');
    expect(row(report, 'E1, E2, E3')).toContain('owner_id: number');
    expect(report).toContain(
      "E5: `owner_id` is a number; equals the service principal's SCIM id: yes; `created_by_id` is a number; equals the caller's SCIM id: yes",
    );
    expect(row(report, 'E6, C5')).toContain('| 200 | `{};');
    expect(report).toContain(
      'D8: a PAT may delete itself: yes. C5: `token/delete` succeeded with HTTP 200 with `{}`',
    );
    expect(report).toContain(
      'Every token this check created was deleted (PAT, on-behalf-of token).',
    );

    expect(emu.pats.tokens.map((token) => token.kind)).toEqual(['pat', 'obo']);
    expect(emu.pats.live()).toEqual([]);
    for (const id of ids()) expect(report, id).not.toContain(id);
  });

  it('says so when a token could not be deleted, with its id, and exits 1', async () => {
    addJobPolicy(emu);
    emu.faults.add(
      'tokens.delete',
      { kind: 'status', status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'boom' } },
      3,
    );
    const run = await liveCheck(jobEnv());
    expect(run.exitCode).toBe(1);
    const [pat] = emu.pats.live();
    expect(pat?.kind).toBe('pat');
    expect(run.stdout).toContain(`**NOT deleted**: the PAT with token id \`${pat?.tokenId}\``);
    expect(run.stdout).toContain(
      'D8: a PAT may delete itself: **no**: HTTP 500, error_code `INTERNAL_ERROR`',
    );
    expect(row(run.stdout, 'clean-up')).toContain('| 500 |');
  });

  it('on GitHub, masks every credential it receives with the runner’s ::add-mask::', async () => {
    addJobPolicy(emu);
    const run = await liveCheck(jobEnv({ GITHUB_ACTIONS: 'true' }));
    expect(run.exitCode, run.stderr).toBe(0);
    const masks = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('::add-mask::'))
      .map((line) => line.slice('::add-mask::'.length));
    const received = [
      emu.github.requestToken,
      ...emu.issuedTokens.map((issued) => issued.token),
      ...emu.pats.tokens.map((pat) => pat.value),
    ];
    expect(received.length).toBeGreaterThanOrEqual(3);
    for (const secret of received) expect(masks).toContain(secret);
    expect(run.summary.startsWith('## databricks-oidc live check')).toBe(true);
  });

  it('finds and deletes a PAT whose create lost its answer, by the comment it carries', async () => {
    addJobPolicy(emu);
    emu.faults.add('tokens.create', { kind: 'reset-mid-body' });
    const run = await liveCheck(jobEnv());
    expect(run.exitCode, run.stderr).toBe(0);
    expect(emu.pats.tokens).toHaveLength(1);
    expect(emu.pats.live()).toEqual([]);
    expect(row(run.stdout, 'D1, D2')).toContain('| — | `no answer:');
    expect(run.stdout).toContain('| clean-up | `GET [host]/api/2.0/token/list');
    expect(run.stdout).toContain('Every token this check created was deleted (PAT).');
  });

  it('skips what it was not asked for and what a given token cannot do', async () => {
    addJobPolicy(emu);
    const jwt = emu.github.mintJwt({ aud: `${emu.workspace.url}/oidc/v1/token` });
    const run = await liveCheck({
      DATABRICKS_HOST: `${emu.workspace.url}/`,
      DATABRICKS_CLIENT_ID: JOB_SERVICE_PRINCIPAL.applicationId,
      DATABRICKS_OIDC_TOKEN: jwt,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain("- The given JWT's audience is the one chosen above");
    expect(row(run.stdout, 'B10 (wrong audience)')).toContain(
      '| skipped | `needs the GitHub runner',
    );
    expect(row(run.stdout, 'E1–E6')).toContain(
      '| skipped | `not asked for: set LIVE_CHECK_OBO_APPLICATION_ID',
    );
    expect(emu.pats.tokens).toHaveLength(1);
    expect(emu.pats.live()).toEqual([]);
  });
});

describe('live-check with an expired given token', () => {
  it('stops before the exchange with one line on stderr and exit 2', async () => {
    const jwt = emu.github.mintJwt({}, { expiresInSeconds: -60 });
    const run = await liveCheck({ DATABRICKS_HOST: emu.workspace.url, DATABRICKS_OIDC_TOKEN: jwt });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^live-check: .*the token from DATABRICKS_OIDC_TOKEN expired at/),
    ]);
    expect(run.stdout).toContain('The check stopped early');
    expect(requestsTo(emu, 'workspace.token')).toEqual([]);
  });
});

describe('live-check against a unified host', () => {
  it('exchanges where the metadata points, and asks a workspace API with and without the routing header', async () => {
    const accountEndpoint = `${emu.account.url}/oidc/accounts/${emu.account.accountId}`;
    emu.workspace.metadata = { host_type: 'UNIFIED', oidc_endpoint: accountEndpoint };
    addJobPolicy(emu, { audiences: [`${accountEndpoint}/v1/token`] });
    const run = await liveCheck(jobEnv());
    expect(run.exitCode, run.stderr).toBe(0);
    expect(row(run.stdout, 'B1–B5')).toContain('| 200 |');
    expect(row(run.stdout, 'A5 (unified)')).toContain('POST [host]/oidc/v1/token');
    expect(row(run.stdout, 'A11 (no X-Databricks-Workspace-Id)')).toContain('| 200 |');
    const workspaceExchange = row(run.stdout, 'A5 (unified)');
    const verdict = workspaceExchange.includes('| 200 |') ? 'works' : 'refused';
    expect(run.stdout).toContain(`A5: on this unified host \`POST /oidc/v1/token\` ${verdict}`);
    const creates = requestsTo(emu, 'tokens.create');
    expect(creates.map((request) => request.headers['x-databricks-workspace-id'])).toEqual([
      WORKSPACE_ID,
    ]);
    expect(emu.pats.live()).toEqual([]);
    for (const id of ids()) expect(run.stdout, id).not.toContain(id);
  });
});

describe('live-check settings', () => {
  it.each([
    [{}, 'DATABRICKS_HOST is not set'],
    [{ DATABRICKS_HOST: 'http://example.com' }, 'must be an https:// URL'],
    [{ DATABRICKS_HOST: 'https://example.com/path' }, 'must be the host alone'],
    [{ DATABRICKS_HOST: 'https://example.com' }, 'no OIDC token'],
  ])('%j: one line on stderr, exit 2, no report', async (env, message) => {
    const run = await liveCheck(env);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
  });
});

describe('the live-check workflow', () => {
  const read = async (name: string) => readFile(join(ROOT, '.github', 'workflows', name), 'utf8');
  interface Workflow {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<
      string,
      { steps: Array<{ uses?: string; run?: string; env?: Record<string, string> }> }
    >;
  }

  it('runs by hand with an OIDC token, pinned actions from ci.yml, and every variable the tool reads', async () => {
    const workflow = parse(await read('live-check.yml')) as Workflow;
    expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch']);
    expect(workflow.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const ci = await read('ci.yml');
    for (const { uses } of steps.filter((step) => step.uses !== undefined)) {
      expect(uses).toMatch(/@[0-9a-f]{40}$/);
      expect(ci).toContain(`uses: ${uses}`);
    }
    const check = steps.find((step) => step.run?.includes('live-check'));
    expect(check?.run).toBe('npm run --silent live-check');
    expect(steps.some((step) => step.run?.startsWith('npm ci'))).toBe(true);
    const settings = await readFile(join(ROOT, 'tools', 'live-check-settings.ts'), 'utf8');
    const names = [...settings.matchAll(/'((?:DATABRICKS|LIVE_CHECK)_[A-Z_]+)'/g)].map((m) => m[1]);
    const mapped = Object.keys(check?.env ?? {});
    expect(new Set(mapped)).toEqual(
      new Set(names.filter((name) => name !== 'DATABRICKS_OIDC_TOKEN')),
    );
    for (const name of mapped) expect(check?.env?.[name]).toContain(`vars.${name}`);
  });
});
