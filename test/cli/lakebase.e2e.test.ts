// `exec --lakebase-instance` hands a real psql the PG* variables of the credential it minted;
// `serve --lakebase-instance` keeps a PGPASSFILE current past the credential's expiry.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pastLatestCredential, useLakebasePostgres } from '../postgres/lakebase.ts';
import { CLIENT_ID, useCliEmulator } from './fixture.ts';
import { cliLeaks, jobPath, startCli } from './runner.ts';

const exec = promisify(execFile);

const fx = useCliEmulator();

describe('exec with a Lakebase credential, against a real PostgreSQL', () => {
  const db = useLakebasePostgres(() => fx.emulator);

  it('psql logs in as the service principal from PG* alone, and no password is written anywhere', async () => {
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: db.server.host,
    });
    const query = 'select current_user, current_database()';
    const run = await fx.run(
      ['exec', '--lakebase-instance', 'orders-db', '--', 'psql', '-XtAc', query],
      fx.gitlabJob(),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`${CLIENT_ID}|databricks_postgres`);
    expect(fx.emulator.lakebase.credentials).toHaveLength(1);
  });
});

describe('serve with a Lakebase credential, against a real PostgreSQL', () => {
  const db = useLakebasePostgres(() => fx.emulator);

  it(
    'keeps PGPASSFILE current: psql reconnects after the first credential expired; the file goes with serve',
    { timeout: 90_000 },
    async () => {
      fx.emulator.lakebase.addInstance({
        name: 'orders-db',
        state: 'AVAILABLE',
        readWriteDns: db.server.host,
      });
      fx.emulator.lakebase.credentialLifetimeSeconds = 6;
      const output = join(fx.dir, 'serve.env');
      const server = startCli(
        [
          'serve',
          '--lakebase-instance',
          'orders-db',
          '--format',
          'dotenv',
          '--output',
          output,
          ...fx.settings(),
        ],
        { ...fx.gitlabJob(), TMPDIR: fx.dir },
      );
      try {
        let text = '';
        while (!text.includes('PGPASSFILE')) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          text = await readFile(output, 'utf8').catch(() => '');
        }
        const variables = Object.fromEntries(
          text
            .trim()
            .split('\n')
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        );
        expect(variables).not.toHaveProperty('PGPASSWORD');
        const passfile = variables['PGPASSFILE'] ?? '';
        expect((await stat(passfile)).mode & 0o777).toBe(0o600);
        const pgEnv = Object.fromEntries(
          Object.entries(variables).filter(([name]) => name.startsWith('PG')),
        );
        const psql = async (env: Record<string, string>) =>
          (
            await exec('psql', ['-XtAc', 'select current_user'], {
              env: { PATH: jobPath(), HOME: fx.dir, ...env },
            })
          ).stdout.trim();
        expect(await psql(pgEnv)).toBe(CLIENT_ID);
        const first = await pastLatestCredential(fx.emulator);
        await expect(
          psql({ ...pgEnv, PGPASSFILE: '/dev/null', PGPASSWORD: first.token }),
        ).rejects.toThrow();
        expect(await psql(pgEnv)).toBe(CLIENT_ID);
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
        expect(existsSync(passfile)).toBe(false);
        const tokens = fx.emulator.lakebase.credentials.map((credential) => credential.token);
        expect(
          cliLeaks({ exitCode: 0, ...server.output() }, [...fx.emulator.secrets(), ...tokens]),
        ).toEqual([]);
      } finally {
        server.child.kill('SIGKILL');
      }
    },
  );
});
