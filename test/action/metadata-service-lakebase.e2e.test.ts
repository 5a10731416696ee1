// export-env: metadata-service with a Lakebase target, against a real PostgreSQL: the service keeps
// PGPASSFILE current, so a psql and a node-postgres client that connect again after the first
// credential expired still log in; no PGPASSWORD is exported; the post step deletes the file.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pastLatestCredential, useLakebasePostgres } from '../postgres/lakebase.ts';
import { SP_APPLICATION_ID, useEmulator, useRunnerTemp } from './fixture.ts';

const exec = promisify(execFile);

/** The README's node-postgres password function: the current password from PGPASSFILE. */
async function passfilePassword(file: string): Promise<string> {
  const line = (await readFile(file, 'utf8')).split('\n')[0] ?? '';
  const fields = [...line.matchAll(/((?:\\.|[^\\:])*)(?::|$)/g)].map((match) =>
    (match[1] ?? '').replace(/\\(.)/g, '$1'),
  );
  return fields[4] ?? '';
}

async function psqlUser(env: Record<string, string>): Promise<string> {
  const base = { PATH: process.env['PATH'] ?? '', HOME: tmpdir() };
  const { stdout } = await exec('psql', ['-XtAc', 'select current_user'], {
    env: { ...base, ...env },
  });
  return stdout.trim();
}

async function pgUser(env: Record<string, string>): Promise<string> {
  const client = new pg.Client({
    host: env['PGHOST'],
    port: Number(env['PGPORT']),
    database: env['PGDATABASE'],
    user: env['PGUSER'],
    password: () => passfilePassword(env['PGPASSFILE'] ?? ''),
    ssl: { rejectUnauthorized: false }, // the test server's certificate is self-signed
  });
  await client.connect();
  try {
    return String((await client.query('select current_user as who')).rows[0]?.who);
  } finally {
    await client.end();
  }
}

describe('export-env: metadata-service with Lakebase, against a real PostgreSQL', () => {
  const fx = useEmulator();
  const db = useLakebasePostgres(() => fx.emulator);
  const temp = useRunnerTemp();

  it(
    'psql and node-postgres reconnect after the first credential expired',
    { timeout: 90_000 },
    async () => {
      fx.addServicePrincipalPolicy();
      fx.emulator.lakebase.addInstance({
        name: 'orders-db',
        state: 'AVAILABLE',
        readWriteDns: db.server.host,
      });
      fx.emulator.lakebase.credentialLifetimeSeconds = 6; // the hour, compressed
      const inputs = {
        host: fx.emulator.workspace.url,
        'client-id': SP_APPLICATION_ID,
        'export-env': 'metadata-service',
        'lakebase-instance': 'orders-db',
      };
      const main = await fx.run(inputs, { env: { RUNNER_TEMP: temp.dir } });
      expect(main.exitCode, main.stdout).toBe(0);
      const pgVariables = Object.fromEntries(
        Object.entries(main.env).filter(([name]) => name.startsWith('PG')),
      );
      const passfile = main.env['PGPASSFILE'] ?? '';
      expect(pgVariables).toEqual({
        PGHOST: db.server.host,
        PGPORT: '5432',
        PGDATABASE: 'databricks_postgres',
        PGUSER: SP_APPLICATION_ID,
        PGSSLMODE: 'require',
        PGPASSFILE: passfile,
      });
      expect((await stat(passfile)).mode & 0o777).toBe(0o600);
      expect(await psqlUser(pgVariables)).toBe(SP_APPLICATION_ID);
      expect(await pgUser(pgVariables)).toBe(SP_APPLICATION_ID);

      // Wait out the credential the service started with, and its renewal.
      const served = await pastLatestCredential(fx.emulator);
      // The control: the first credential no longer logs in.
      await expect(
        psqlUser({ ...pgVariables, PGPASSFILE: '/dev/null', PGPASSWORD: served.token }),
      ).rejects.toThrow();
      expect(await psqlUser(pgVariables)).toBe(SP_APPLICATION_ID);
      expect(await pgUser(pgVariables)).toBe(SP_APPLICATION_ID);

      const post = await fx.run(inputs, {
        env: { RUNNER_TEMP: temp.dir },
        post: { state: main.state },
      });
      expect(post.exitCode).toBe(0);
      expect(existsSync(passfile)).toBe(false);
    },
  );
});
