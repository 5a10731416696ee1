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

/**
 * Waits until the latest credential the emulator minted has expired and a newer one exists (a
 * service renewed it); returns the expired one, for a control that it no longer logs in.
 */
export async function pastLatestCredential(emulator: Emulator): Promise<{ token: string }> {
  const { credentials } = emulator.lakebase;
  const latest = credentials.at(-1);
  if (latest === undefined) throw new Error('no Lakebase credential was minted');
  while (Date.now() < latest.expiresAt.getTime() + 500 || credentials.at(-1) === latest)
    await new Promise((resolve) => setTimeout(resolve, 250));
  return latest;
}
