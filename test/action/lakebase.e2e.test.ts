// Lakebase end to end: the bundled action mints a credential through the emulator, which sets it as
// the role's password on a real PostgreSQL server; psql and the pg client then log in with nothing
// but the action's outputs and exported environment.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useLakebasePostgres } from '../postgres/lakebase.ts';
import { requestsTo, SP_APPLICATION_ID, useEmulator } from './fixture.ts';
import type { ActionRun } from './runner.ts';

const exec = promisify(execFile);
const ENDPOINT = 'projects/shop/branches/main/endpoints/primary';

async function psql(env: Record<string, string>, args: string[] = []) {
  const base = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' };
  return exec(
    'psql',
    ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...args, '-c', 'select current_user'],
    {
      env: { ...base, ...env },
    },
  );
}

function pgEnv(run: ActionRun): Record<string, string> {
  return Object.fromEntries(Object.entries(run.env).filter(([name]) => name.startsWith('PG')));
}

describe('Lakebase credentials against a real PostgreSQL', () => {
  const fx = useEmulator();
  const db = useLakebasePostgres(() => fx.emulator);

  function mint(inputs: Record<string, string>) {
    fx.addServicePrincipalPolicy();
    return fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID, ...inputs });
  }

  it('logs in to a provisioned instance with the exported PG* variables and with the outputs', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: db.server.host,
    });
    const run = await mint({ 'lakebase-instance': 'orders-db' });
    expect(run.exitCode).toBe(0);
    expect(pgEnv(run)).toEqual({
      PGHOST: db.server.host,
      PGPORT: '5432',
      PGDATABASE: 'databricks_postgres',
      PGUSER: SP_APPLICATION_ID,
      PGPASSWORD: run.outputs['database-password'],
      PGSSLMODE: 'require',
    });
    expect((await psql(pgEnv(run))).stdout.trim()).toBe(SP_APPLICATION_ID);

    const client = new pg.Client({
      host: run.outputs['database-host'],
      port: Number(run.outputs['database-port']),
      database: run.outputs['database-name'],
      user: run.outputs['database-user'],
      password: run.outputs['database-password'],
      ssl: { rejectUnauthorized: false }, // the test server's certificate is self-signed
    });
    await client.connect();
    try {
      expect((await client.query('select current_user as who')).rows).toEqual([
        { who: SP_APPLICATION_ID },
      ]);
    } finally {
      await client.end();
    }
  });

  it('masks the password and the URL, but not host, port, name, user or the JDBC URL', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: db.server.host,
    });
    const run = await mint({ 'lakebase-instance': 'orders-db' });
    const { outputs } = run;
    expect(run.masks).toEqual(
      expect.arrayContaining([outputs['database-password'], outputs['database-url']]),
    );
    for (const name of [
      'database-host',
      'database-port',
      'database-name',
      'database-user',
      'database-jdbc-url',
    ])
      expect(run.masks.some((mask) => (outputs[name] ?? '').includes(mask))).toBe(false);
    expect(outputs['database-jdbc-url']).toBe(
      `jdbc:postgresql://${db.server.host}:5432/databricks_postgres?sslmode=require&user=${SP_APPLICATION_ID}`,
    );
    expect(outputs['database-jdbc-url']).not.toContain(outputs['database-password']);
    expect((await psql({}, [outputs['database-url'] ?? ''])).stdout.trim()).toBe(SP_APPLICATION_ID);
  });

  it('makes one concurrent round for the user, the instance and the credential', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: db.server.host,
    });
    await mint({ 'lakebase-instance': 'orders-db' });
    const paths = fx.emulator.requests
      .filter((r) => r.server === 'workspace')
      .map((r) => `${r.method} ${r.path}`);
    expect(paths.slice(-3).sort()).toEqual([
      'GET /api/2.0/database/instances/orders-db',
      'GET /api/2.0/preview/scim/v2/Me',
      'POST /api/2.0/database/credentials',
    ]);
    expect(paths.filter((path) => path.startsWith('GET /api/2.0/preview/scim'))).toHaveLength(1);
  });

  it('logs in to an Autoscaling endpoint with a credential of the requested lifetime', async () => {
    fx.emulator.lakebase.addEndpoint({ name: ENDPOINT, state: 'IDLE', host: db.server.host });
    const run = await mint({ 'lakebase-endpoint': ENDPOINT, 'lakebase-ttl': '600' });
    expect(run.exitCode).toBe(0);
    const [credential] = requestsTo(fx.emulator, 'lakebase.endpoint-credential');
    expect(credential?.json).toEqual({ endpoint: ENDPOINT, ttl: '600s' });
    const lifetime = Date.parse(run.outputs['database-password-expires-at'] ?? '') - Date.now();
    expect(lifetime).toBeGreaterThan(500_000);
    expect(lifetime).toBeLessThanOrEqual(600_000);
    expect((await psql(pgEnv(run))).stdout.trim()).toBe(SP_APPLICATION_ID);
  });

  it('waits for a STARTING instance, saying so', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'STARTING',
      readWriteDns: db.server.host,
      becomesAvailableAfterGets: 2,
    });
    const run = await mint({ 'lakebase-instance': 'orders-db' });
    expect(run.exitCode).toBe(0);
    expect(run.log.filter((line) => line.includes('is STARTING; waiting'))).toHaveLength(2);
    expect(requestsTo(fx.emulator, 'lakebase.instance')).toHaveLength(3);
    expect((await psql(pgEnv(run))).stdout.trim()).toBe(SP_APPLICATION_ID);
  });

  it('refuses a STOPPED instance with what to do', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'STOPPED',
      readWriteDns: db.server.host,
    });
    const run = await mint({ 'lakebase-instance': 'orders-db' });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^Minting the Lakebase credential failed: Lakebase instance "orders-db" is STOPPED.*Start the instance/,
      ),
    ]);
  });

  it('names an unknown instance', async () => {
    const run = await mint({ 'lakebase-instance': 'nope-db' });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toEqual([
      expect.stringMatching(/Lakebase instance "nope-db" was not found.*Check the name/),
    ]);
  });

  it('explains a permission refusal with the role to create', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: db.server.host,
      deniedUsers: [SP_APPLICATION_ID],
    });
    const run = await mint({ 'lakebase-instance': 'orders-db' });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toEqual([
      expect.stringMatching(/may not use Lakebase instance "orders-db".*databricks_create_role/),
    ]);
  });

  it('retries a credential call cut mid-answer with the same request_id, minting once', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: db.server.host,
    });
    fx.emulator.faults.add('lakebase.instance-credential', { kind: 'reset-mid-body' });
    const run = await mint({ 'lakebase-instance': 'orders-db' });
    expect(run.exitCode).toBe(0);
    const posts = requestsTo(fx.emulator, 'lakebase.instance-credential');
    expect(posts).toHaveLength(2);
    const ids = posts.map((post) => (post.json as { request_id: string }).request_id);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(fx.emulator.lakebase.credentials).toHaveLength(1);
    expect((await psql(pgEnv(run))).stdout.trim()).toBe(SP_APPLICATION_ID);
  });

  it('refuses Lakebase with an account console host', async () => {
    fx.emulator.policies.addServicePrincipalPolicy({
      servicePrincipalId: '1',
      applicationId: SP_APPLICATION_ID,
      issuer: fx.emulator.github.issuer,
      subject: fx.emulator.github.claims.sub,
    });
    const run = await fx.run({
      host: fx.emulator.account.url,
      'account-id': fx.emulator.account.accountId,
      'client-id': SP_APPLICATION_ID,
      'lakebase-instance': 'orders-db',
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toEqual([
      expect.stringMatching(/account console, but Lakebase credentials are workspace-scoped/),
    ]);
    expect(fx.emulator.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('is refused by PostgreSQL itself with a wrong or an expired password', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: db.server.host,
    });
    const run = await mint({ 'lakebase-instance': 'orders-db' });
    const env = pgEnv(run);
    await expect(psql({ ...env, PGPASSWORD: `${env['PGPASSWORD']}x` })).rejects.toThrow(
      /password authentication failed/,
    );
    await db.server.setLoginPassword(
      SP_APPLICATION_ID,
      env['PGPASSWORD'] ?? '',
      new Date(Date.now() - 60_000),
    );
    await expect(psql(env)).rejects.toThrow(/password authentication failed/);
  });
});
