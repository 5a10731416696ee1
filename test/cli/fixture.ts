// One emulator per file, reset per test; a policy per CI; runs of dist/cli.js checked for leaks.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import {
  JOB_SERVICE_PRINCIPAL,
  requestsTo,
  startEmulator,
  type Emulator,
} from '../emulator/index.ts';
import { cliLeaks, runCli, startCli, type CliRun } from './runner.ts';

export const CLIENT_ID = JOB_SERVICE_PRINCIPAL.applicationId;

export interface CliFixture {
  emulator: Emulator;
  /** A fresh temp directory per test (cache, output files). */
  dir: string;
  tokenEndpoint(): string;
  /** Accepts the issuer's tokens for `sub` (or the claim given) with these audiences. */
  trust(
    issuer: { issuer: string; claims: Record<string, unknown> },
    audiences: string[],
    claim?: string,
  ): void;
  /**
   * Runs the CLI with --host and --client-id; fails the test on any leak (stdout, stderr, files).
   * `masksOnStderr`: the run is expected to put GitHub's ::add-mask:: lines on stderr.
   */
  run(
    args: string[],
    env: Record<string, string>,
    handedOff?: (run: CliRun) => string[],
    masksOnStderr?: boolean,
  ): Promise<CliRun>;
  /** --host and --client-id of the emulator's workspace and the job's service principal. */
  settings(): string[];
  /** Access tokens the workspace issued so far (parsed from the recorded answers is not possible: counted). */
  exchanges(): number;
  /** A GitLab job whose id token (DATABRICKS_OIDC_TOKEN) the service principal's policy accepts. */
  gitlabJob(): Record<string, string>;
  /**
   * `exec` with these flags (and --host, --client-id) of a shell child that traps SIGTERM (prints
   * got-term, exits 42), SIGINT (got-int, 43) and SIGHUP (got-hup, 44), sent the signal once it is
   * running: the CLI's exit code and output.
   */
  execSignalled(
    flags: string[],
    env: Record<string, string>,
    signal?: 'SIGTERM' | 'SIGINT' | 'SIGHUP',
  ): Promise<CliRun>;
}

export function useCliEmulator(): CliFixture {
  const fixture = {} as CliFixture;
  beforeAll(async () => {
    fixture.emulator = await startEmulator();
  });
  afterAll(async () => fixture.emulator?.close());
  beforeEach(async () => {
    fixture.emulator.reset();
    fixture.dir = await mkdtemp(join(tmpdir(), 'cli-test-'));
  });
  fixture.tokenEndpoint = () => `${fixture.emulator.workspace.url}/oidc/v1/token`;
  fixture.trust = (issuer, audiences, claim) =>
    fixture.emulator.policies.addServicePrincipalPolicy({
      servicePrincipalId: JOB_SERVICE_PRINCIPAL.numericId,
      applicationId: JOB_SERVICE_PRINCIPAL.applicationId,
      issuer: issuer.issuer,
      subject: String(issuer.claims[claim ?? 'sub']),
      ...(claim === undefined ? {} : { subjectClaim: claim }),
      audiences,
    });
  fixture.settings = () => ['--host', fixture.emulator.workspace.url, '--client-id', CLIENT_ID];
  fixture.run = async (args, env, handedOff, masksOnStderr = false) => {
    const settings = fixture.settings();
    const dashDash = args.includes('--') ? args.indexOf('--') : args.length;
    const result = await runCli(
      [...args.slice(0, dashDash), ...settings, ...args.slice(dashDash)],
      { TMPDIR: fixture.dir, HOME: fixture.dir, ...env },
    );
    const files: Record<string, string> = {};
    for (const name of await readdir(fixture.dir, { recursive: true }).catch(() => []))
      files[name] = await readFile(join(fixture.dir, name), 'utf8').catch(() => '');
    const allowed = handedOff?.(result) ?? [];
    expect(cliLeaks(result, fixture.emulator.secrets(), allowed, files, masksOnStderr)).toEqual([]);
    return result;
  };
  fixture.exchanges = () => requestsTo(fixture.emulator, 'workspace.token').length;
  fixture.gitlabJob = () => {
    const aud = fixture.tokenEndpoint();
    fixture.trust(fixture.emulator.ci.gitlab, [aud]);
    return fixture.emulator.ci.gitlab.jobEnv(aud, 'DATABRICKS_OIDC_TOKEN');
  };
  fixture.execSignalled = async (flags, env, signal = 'SIGTERM') => {
    const script =
      "trap 'echo got-term; exit 42' TERM; trap 'echo got-int; exit 43' INT; trap 'echo got-hup; exit 44' HUP; echo ready; while :; do sleep 0.1; done";
    const settings = fixture.settings();
    const running = startCli(['exec', ...flags, ...settings, '--', 'sh', '-c', script], {
      ...env,
      TMPDIR: fixture.dir,
    });
    await running.waitFor(/ready/);
    running.child.kill(signal);
    return { exitCode: await running.exited, ...running.output() };
  };
  return fixture;
}

/** The value of `export NAME='…'` lines, as bash would see them after eval (checked in bash). */
export function exportedToken(stdout: string): string[] {
  const match = /DATABRICKS_TOKEN='([^']*)'/.exec(stdout) ?? /DATABRICKS_TOKEN=(\S+)/.exec(stdout);
  return match?.[1] === undefined ? [] : [match[1]];
}
