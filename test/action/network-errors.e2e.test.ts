// The network as a self-hosted runner meets it: a loopback http: GitHub token service next to an
// https: workspace, a host name that does not resolve, and certificates the machine does not trust.
// A local TLS front with a throw-away CA serves the emulator; a preloaded resolver stands in for DNS.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  JOB_SERVICE_PRINCIPAL,
  addJobPolicy,
  startEmulator,
  type Emulator,
} from '../emulator/index.ts';
import { makeCertificates, type TestCertificates } from '../proxy/certificates.ts';
import { startTlsTerminator, type TlsTerminator } from '../proxy/tls-terminator.ts';
import { findLeaks } from '../support/leaks.ts';
import { runAction, type ActionRun } from './runner.ts';

const WORKSPACE_NAME = 'dbc-1234.emu.test';
/** Resolves and is served by the TLS front, but the certificate does not name it. */
const OTHER_NAME = 'other.emu.test';
const RESOLVER = fileURLToPath(new URL('../proxy/resolve-hosts.mjs', import.meta.url));

describe('the network a runner meets', () => {
  let emulator: Emulator;
  let certificates: TestCertificates;
  let tls: TlsTerminator;

  beforeAll(async () => {
    [emulator, certificates] = await Promise.all([
      startEmulator(),
      makeCertificates([WORKSPACE_NAME]),
    ]);
    const workspacePort = Number(new URL(emulator.workspace.url).port);
    tls = await startTlsTerminator(certificates, {
      [WORKSPACE_NAME]: workspacePort,
      [OTHER_NAME]: workspacePort,
    });
  });

  afterAll(async () => {
    await Promise.all([emulator?.close(), tls?.close()]);
    if (certificates) await rm(certificates.dir, { recursive: true, force: true });
  });

  beforeEach(() => emulator.reset());

  async function run(host: string, env: Record<string, string>): Promise<ActionRun> {
    const audience = `${host}/oidc/v1/token`;
    addJobPolicy(emulator, { audiences: [audience] });
    // Not a Databricks domain: such a host may not choose the audience, so the run names it.
    const result = await runAction(
      { host, audience, 'client-id': JOB_SERVICE_PRINCIPAL.applicationId },
      {
        idToken: { url: emulator.github.requestUrl, token: emulator.github.requestToken },
        env: {
          NODE_OPTIONS: `--import ${RESOLVER}`,
          TEST_HOSTS: [WORKSPACE_NAME, OTHER_NAME].join(','),
          ...env,
        },
      },
    );
    expect(findLeaks(result, emulator.secrets())).toEqual([]);
    return result;
  }

  const workspace = () => `https://${WORKSPACE_NAME}:${tls.port}`;
  const trusted = () => ({ NODE_EXTRA_CA_CERTS: certificates.caFile });

  it('mixes an http: loopback token service with an https: workspace in one run', async () => {
    const result = await run(workspace(), trusted());
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['token']).toBeTruthy();
  });

  /** Failed at once: no attempt was retried, and the advice is not "re-run the job". */
  function failedAtOnce(result: ActionRun): string {
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.log.filter((line) => /retry \d/.test(line))).toEqual([]);
    expect(result.errors[0]).not.toMatch(/re-run the job|attempts/);
    return result.errors[0] ?? '';
  }

  it('names the host name that did not resolve, without retrying', async () => {
    const result = await run(`https://dbc-typo.emu.test:${tls.port}`, trusted());
    expect(failedAtOnce(result)).toMatch(
      /^Exchanging the token at Databricks failed: Token exchange could not resolve the host name dbc-typo\.emu\.test \(ENOTFOUND\)\. Check the name for a typo/,
    );
  });

  it('says the certificate is not trusted and points at NODE_EXTRA_CA_CERTS', async () => {
    const result = await run(workspace(), {});
    expect(failedAtOnce(result)).toMatch(
      /^Exchanging the token at Databricks failed: Token exchange could not verify the certificate of dbc-1234\.emu\.test \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. .*NODE_EXTRA_CA_CERTS/,
    );
    expect(emulator.requests.filter((r) => r.server === 'workspace')).toEqual([]);
  });

  it('says the certificate does not name the host', async () => {
    const result = await run(`https://${OTHER_NAME}:${tls.port}`, trusted());
    expect(failedAtOnce(result)).toMatch(
      /Token exchange refused the certificate of other\.emu\.test: it does not name that host \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );
  });
});
