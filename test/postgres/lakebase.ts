// One PostgreSQL server per test file, which takes the Lakebase credentials the emulator mints as
// login passwords: a client that connects with them proves the credential end to end.
import { afterAll, beforeAll } from 'vitest';
import type { Emulator } from '../emulator/index.ts';
import { startPostgres, type PostgresServer } from './server.ts';

/** Call inside a describe, after the emulator fixture: the server is there from its beforeAll on. */
export function useLakebasePostgres(emulator: () => Emulator): { readonly server: PostgresServer } {
  const started = {} as { server: PostgresServer };
  beforeAll(async () => {
    started.server = await startPostgres();
    emulator().lakebase.onCredential = (credential) =>
      started.server.setLoginPassword(credential.userName, credential.token, credential.expiresAt);
  });
  afterAll(async () => started.server?.stop());
  return started;
}
