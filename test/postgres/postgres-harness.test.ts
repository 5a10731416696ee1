import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from './server.ts';
import type { PostgresServer } from './server.ts';

let server: PostgresServer;
let startupMs = 0;

/** A Lakebase-like token: ~1.5 KB of base64url segments joined by '.'. */
function fakeToken(): string {
  return ['eyJhbGciOiJSUzI1NiJ9', randomBytes(1000), randomBytes(100)]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

const inOneHour = () => new Date(Date.now() + 60 * 60 * 1000);

async function connectWithPg(
  user: string,
  password: string,
  ssl: pg.ClientConfig['ssl'] = { rejectUnauthorized: false },
): Promise<string> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    database: server.database,
    user,
    password,
    ssl,
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    const result = await client.query<{ current_user: string }>('select current_user');
    return result.rows[0]?.current_user ?? '';
  } finally {
    await client.end();
  }
}

interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs psql configured only through PG* environment variables. */
function psql(
  user: string,
  password: string,
  sslmode: 'require' | 'disable' = 'require',
): Promise<PsqlResult> {
  const env: NodeJS.ProcessEnv = {
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGDATABASE: server.database,
    PGUSER: user,
    PGPASSWORD: password,
    PGSSLMODE: sslmode,
    PGCONNECT_TIMEOUT: '10',
  };
  if (process.env['PATH'] !== undefined) env['PATH'] = process.env['PATH'];
  return new Promise((resolve) => {
    execFile(
      'psql',
      ['-X', '-w', '-At', '-c', 'select current_user'],
      { env, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
      },
    );
  });
}

beforeAll(async () => {
  const t0 = performance.now();
  server = await startPostgres();
  startupMs = performance.now() - t0;
  console.log(
    `PostgreSQL harness started on ${server.host}:${server.port} in ${startupMs.toFixed(0)} ms`,
  );
});

afterAll(async () => {
  await server?.stop();
});

describe('postgres harness', () => {
  it('listens on a loopback address, port 5432, with the Lakebase database', async () => {
    expect(server.host).toMatch(/^127\.0\.0\.(\d+)$/);
    expect(server.host).not.toBe('127.0.0.1');
    expect(server.port).toBe(5432);
    expect(server.database).toBe('databricks_postgres');
    const rows = await server.query(
      "select current_database() as db, current_setting('ssl') as ssl, current_setting('password_encryption') as enc, $1::int as one",
      [1],
    );
    expect(rows).toEqual([{ db: 'databricks_postgres', ssl: 'on', enc: 'scram-sha-256', one: 1 }]);
  });

  it('accepts a role password (a long token) over SSL with the pg client', async () => {
    const role = randomUUID();
    const token = fakeToken();
    expect(token.length).toBeGreaterThan(1000);
    await server.setLoginPassword(role, token, inOneHour());
    expect(await connectWithPg(role, token)).toBe(role);
  });

  it('accepts an e-mail role with psql configured by PG* env vars (sslmode=require)', async () => {
    const role = `someone.o'brien-${randomBytes(3).toString('hex')}@example.com`;
    const token = fakeToken();
    await server.setLoginPassword(role, token, inOneHour());
    const result = await psql(role, token);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(role);
  });

  it('lets the role create tables in schema public', async () => {
    const role = randomUUID();
    const token = fakeToken();
    await server.setLoginPassword(role, token, inOneHour());
    const client = new pg.Client({
      host: server.host,
      port: server.port,
      database: server.database,
      user: role,
      password: token,
      ssl: { rejectUnauthorized: false },
    });
    await client.connect();
    try {
      const table = client.escapeIdentifier(`t_${role}`);
      await client.query(`create table public.${table} (id int)`);
      await client.query(`insert into public.${table} values (1)`);
      const result = await client.query(`select count(*)::int as n from public.${table}`);
      expect(result.rows).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('rotating the password replaces the old one', async () => {
    const role = randomUUID();
    const first = fakeToken();
    const second = fakeToken();
    await server.setLoginPassword(role, first, inOneHour());
    await server.setLoginPassword(role, second, inOneHour());
    expect(await connectWithPg(role, second)).toBe(role);
    await expect(connectWithPg(role, first)).rejects.toThrow(/password authentication failed/);
  });

  it('refuses a wrong password', async () => {
    const role = randomUUID();
    await server.setLoginPassword(role, fakeToken(), inOneHour());
    await expect(connectWithPg(role, fakeToken())).rejects.toThrow(
      /password authentication failed/,
    );
    const result = await psql(role, 'wrong');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/password authentication failed/);
  });

  it('refuses an expired password (VALID UNTIL in the past)', async () => {
    const role = randomUUID();
    const token = fakeToken();
    await server.setLoginPassword(role, token, new Date(Date.now() - 60_000));
    await expect(connectWithPg(role, token)).rejects.toThrow(/password authentication failed/);
    const result = await psql(role, token);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/password authentication failed/);
    expect(await readFile(server.logFile, 'utf8')).toContain(
      `User "${role}" has an expired password`,
    );

    // Extending VALID UNTIL with the same token makes it usable again.
    await server.setLoginPassword(role, token, inOneHour());
    expect(await connectWithPg(role, token)).toBe(role);
  });

  it('refuses connections without SSL', async () => {
    const role = randomUUID();
    const token = fakeToken();
    await server.setLoginPassword(role, token, inOneHour());
    await expect(connectWithPg(role, token, false)).rejects.toThrow(
      /pg_hba\.conf rejects connection.*no encryption/,
    );
    const result = await psql(role, token, 'disable');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/pg_hba\.conf rejects connection.*no encryption/);
  });

  it('starts a second server side by side on another loopback address', async () => {
    const other = await startPostgres();
    try {
      expect(other.host).not.toBe(server.host);
      expect(other.port).toBe(5432);
      expect(await other.query('select 1 as x')).toEqual([{ x: 1 }]);
    } finally {
      await other.stop();
    }
    await expect(other.query('select 1')).rejects.toThrow(/stopped/);
  });
});
