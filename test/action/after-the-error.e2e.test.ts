// After the `::error::` line the step is over: the action prints nothing more (no retry line of a
// call still running, no "Client has already been disposed") and exits without waiting for it.
import { describe, expect, it } from 'vitest';
import { requestsTo, SP_APPLICATION_ID, useEmulator } from './fixture.ts';
import type { ActionRun } from './runner.ts';

/** The `::error::` line is the last thing on stdout, and the only error. */
function expectErrorLast(run: ActionRun, prefix: string): void {
  expect(run.exitCode).toBe(1);
  expect(run.errors).toHaveLength(1);
  expect(run.errors[0]?.startsWith(prefix)).toBe(true);
  const lines = run.stdout.split(/\r?\n/).filter((line) => line !== '');
  expect(lines.at(-1)).toMatch(/^::error::/);
  expect(lines.filter((line) => line.startsWith('::error::'))).toHaveLength(1);
  expect(run.stderr).toBe('');
  expect(run.stdout).not.toMatch(/disposed/i);
}

describe('nothing after the error line', () => {
  const fx = useEmulator();

  it('a refused input', async () => {
    const run = await fx.run({ host: 'htps://dbc-1234.cloud.databricks.com' });
    expectErrorLast(run, 'Reading inputs failed: ');
    expect(fx.emulator.requests).toEqual([]);
  });

  it('a refusal by Databricks (no federation policy)', async () => {
    const run = await fx.run({ host: fx.emulator.workspace.url, 'client-id': SP_APPLICATION_ID });
    expectErrorLast(run, 'Exchanging the token at Databricks failed: ');
  });

  it('a network failure while another call waits out a Retry-After: no line of it, prompt exit', async () => {
    fx.addServicePrincipalPolicy();
    // With an explicit audience the host metadata and the GitHub token are asked for together:
    // the metadata call is told to come back in 90 s (within the 2-minute deadline) and sleeps,
    // while the GitHub token request fails for good.
    fx.emulator.faults.add(
      'workspace.metadata',
      { kind: 'status', status: 429, headers: { 'Retry-After': '90' } },
      Infinity,
    );
    fx.emulator.faults.add('github.idtoken', { kind: 'reset' }, Infinity);
    const run = await fx.run({
      host: fx.emulator.workspace.url,
      'client-id': SP_APPLICATION_ID,
      audience: `${fx.emulator.workspace.url}/oidc/v1/token`,
    });
    expectErrorLast(run, 'Requesting the GitHub OIDC token failed: ');
    expect(run.errors[0]).toMatch(/after 5 attempts/);
    expect(requestsTo(fx.emulator, 'github.idtoken')).toHaveLength(5);
    expect(requestsTo(fx.emulator, 'workspace.metadata')).toHaveLength(1);
    // The only bound here is the test's own timeout, far below the 90 s the sleeping call would
    // keep a process alive that did not exit after the error line.
  }, 45_000);
});
