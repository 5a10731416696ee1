// The job summary says which variables later steps will see, and on failure which step failed.
import { describe, expect, it } from 'vitest';
import { SP_APPLICATION_ID, useEmulator } from './fixture.ts';

describe('the job summary', () => {
  const fx = useEmulator();

  it('lists the exported variables by name, never their values', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).toBe(0);
    expect(run.summary).toContain(
      '<th align="left">Exported variables</th><td>DATABRICKS_HOST DATABRICKS_TOKEN DATABRICKS_AUTH_TYPE</td>',
    );
  });

  it('says nothing was exported with export-env: none', async () => {
    fx.addServicePrincipalPolicy();
    const run = await fx.run({
      host: fx.emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      'export-env': 'none',
    });
    expect(run.summary).toContain('<td>(none: export-env is none)</td>');
  });

  it('names the step that failed, with the error', async () => {
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).toBe(1);
    expect(run.summary).toContain(
      '<th align="left">Failed step</th><td>Exchanging the token at Databricks</td>',
    );
    expect(run.summary).toContain('Databricks refused the token');
    expect(run.summary).toContain(
      '<th align="left">Kind</th><td>refused: a policy, grant or answer to change</td>',
    );
  });

  it('says a transient failure is worth a re-run, by its kind, not its wording', async () => {
    fx.addServicePrincipalPolicy();
    fx.emulator.faults.add('workspace.token', { kind: 'status', status: 503 }, Infinity);
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expect(run.exitCode).toBe(1);
    expect(run.summary).toContain('<td>transient: running the job again may succeed</td>');
  }, 60_000);

  it('names the inputs step for an input error', async () => {
    const run = await fx.run({ host: 'htps://dbc-1234.cloud.databricks.com' });
    expect(run.summary).toContain('<td>Reading inputs</td>');
    expect(run.summary).toContain('host starts with &quot;htps://&quot;');
    expect(run.summary).toContain('<td>bad input: the settings cannot work as given</td>');
  });
});
