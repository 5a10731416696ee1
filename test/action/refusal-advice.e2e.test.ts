// Each refusal hint follows from what the action knows: whether a client-id was given, whether the
// account endpoint exists, and which scope the token was minted with.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SP_APPLICATION_ID, useEmulator } from './fixture.ts';

describe('advice on a refusal', () => {
  const fx = useEmulator();

  it('does not say "check client-id" when none was given, nor suggest subject_claim "sub"', async () => {
    const run = await fx.run({ host: fx.emulator.workspace.url });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/^Exchanging the token at Databricks failed: Databricks refused/);
    expect(run.errors[0]).not.toMatch(/check client-id/);
    expect(run.errors[0]).toMatch(/set client-id/);
    const log = run.log.join('\n');
    expect(log).toContain("GitHub's sub claim is never such a name");
    expect(log).not.toContain('"subject_claim":"sub"');
    expect(log).toContain('service-principal-federation-policy create');
  });

  it('points at account-id when the account endpoint does not know the account', async () => {
    const accountId = randomUUID();
    const run = await fx.run({
      host: fx.emulator.account.url,
      'account-id': accountId,
      'client-id': SP_APPLICATION_ID,
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/Databricks refused the token \(HTTP 404 /);
    expect(run.errors[0]).toContain(
      `No account ${accountId} answers at this console: check account-id`,
    );
    expect(run.errors[0]).not.toMatch(/federation policy/);
    expect(run.log.join('\n')).not.toContain('federation-policy create');
  });

  it('says the scope is the problem for a Lakebase 403 under a scope that is not all-apis', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: 'instance-1.database.example.test',
    });
    const run = await fx.run({
      host: fx.emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      scope: 'sql',
      'lakebase-instance': 'orders-db',
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^Minting the Lakebase credential failed: the identity may not use/,
    );
    expect(run.errors[0]).toContain('The token was minted with scope "sql", not all-apis');
    expect(run.errors[0]).not.toMatch(/Grant the service principal/);
  });
});
