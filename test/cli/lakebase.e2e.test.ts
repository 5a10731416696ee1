// `exec --lakebase-instance` hands a real psql the PG* variables of the credential it minted.
import { describe, expect, it } from 'vitest';
import { useLakebasePostgres } from '../postgres/lakebase.ts';
import { CLIENT_ID, useCliEmulator } from './fixture.ts';

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
