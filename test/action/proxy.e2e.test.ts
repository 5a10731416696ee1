// HTTPS_PROXY and NO_PROXY, end to end: the bundled action talks HTTPS to host names that only the
// test's own forward proxy (and, for NO_PROXY, a preloaded resolver standing in for /etc/hosts)
// knows; a local TLS front with a throw-away CA serves them from the emulator. The proxy records
// every CONNECT, and the TLS front tells tunnelled connections from direct ones.
// (@actions/http-client always bypasses a proxy for loopback names and addresses, and the action
// refuses plain http:// except to loopback, so loopback URLs could never show the proxy in use.)
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
import { startForwardProxy, type ForwardProxy } from '../proxy/forward-proxy.ts';
import { startTlsTerminator, type TlsTerminator } from '../proxy/tls-terminator.ts';
import { findLeaks } from '../support/leaks.ts';
import { runAction, type ActionRun } from './runner.ts';

const SP_APPLICATION_ID = JOB_SERVICE_PRINCIPAL.applicationId;
const GITHUB_NAME = 'token.actions.emu.test';
const WORKSPACE_NAME = 'dbc-1234.emu.test';
const RESOLVER = fileURLToPath(new URL('../proxy/resolve-hosts.mjs', import.meta.url));

describe('through an HTTPS proxy', () => {
  let emulator: Emulator;
  let certificates: TestCertificates;
  let tls: TlsTerminator;
  let proxy: ForwardProxy;

  beforeAll(async () => {
    [emulator, certificates] = await Promise.all([
      startEmulator(),
      makeCertificates([GITHUB_NAME, WORKSPACE_NAME]),
    ]);
    tls = await startTlsTerminator(certificates, {
      [GITHUB_NAME]: Number(new URL(emulator.github.issuer).port),
      [WORKSPACE_NAME]: Number(new URL(emulator.workspace.url).port),
    });
    const known = new Set([GITHUB_NAME, WORKSPACE_NAME]);
    proxy = await startForwardProxy((hostname) => (known.has(hostname) ? '127.0.0.1' : undefined));
  });

  afterAll(async () => {
    await Promise.all([emulator?.close(), tls?.close(), proxy?.close()]);
    if (certificates) await rm(certificates.dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    emulator.reset();
    proxy.requests.length = 0;
    tls.connections.length = 0;
  });

  const origin = (name: string) => `https://${name}:${tls.port}`;

  async function run(env: Record<string, string>): Promise<ActionRun> {
    const workspace = origin(WORKSPACE_NAME);
    addJobPolicy(emulator, { audiences: [`${workspace}/oidc/v1/token`] });
    emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: 'instance-1.database.example.test',
    });
    const requestUrl = new URL(emulator.github.requestUrl);
    const result = await runAction(
      {
        host: workspace,
        // Not a Databricks domain: its metadata may not choose the audience (SECURITY.md).
        audience: `${workspace}/oidc/v1/token`,
        'client-id': SP_APPLICATION_ID,
        'lakebase-instance': 'orders-db',
      },
      {
        idToken: {
          url: `${origin(GITHUB_NAME)}${requestUrl.pathname}${requestUrl.search}`,
          token: emulator.github.requestToken,
        },
        env: {
          NODE_EXTRA_CA_CERTS: certificates.caFile,
          NODE_OPTIONS: `--import ${RESOLVER}`,
          TEST_HOSTS: [GITHUB_NAME, WORKSPACE_NAME].join(','),
          ...env,
        },
      },
    );
    expect(findLeaks(result, emulator.secrets())).toEqual([]);
    return result;
  }

  /** The action's requests: the emulator's own JWKS fetches go to 127.0.0.1, not to a test name. */
  function emulatorRequests() {
    return emulator.requests.filter((r) => !r.headers['host']?.startsWith('127.0.0.1:'));
  }

  function viaProxy(connection: { remotePort: number }): boolean {
    return proxy.upstreamPorts.has(connection.remotePort);
  }

  it('sends every call through the proxy named by HTTPS_PROXY', async () => {
    const result = await run({ HTTPS_PROXY: proxy.url });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['database-password']).toBeTruthy();
    // GitHub token, exchange, SCIM, instance and credential all reached the emulator (no host
    // metadata: the audience is given)...
    const paths = emulatorRequests().map((r) => `${r.server} ${r.method} ${r.path.split('/')[1]}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'github GET _apis',
        'workspace POST oidc',
        'workspace GET api',
        'workspace POST api',
      ]),
    );
    expect(emulatorRequests()).toHaveLength(5);
    expect(new Set(emulatorRequests().map((r) => r.headers['host']))).toEqual(
      new Set([`${GITHUB_NAME}:${tls.port}`, `${WORKSPACE_NAME}:${tls.port}`]),
    );
    // ...every one over a connection the proxy tunnelled, to the two configured hosts only.
    expect(tls.connections.length).toBeGreaterThanOrEqual(2);
    expect(tls.connections.filter((c) => !viaProxy(c))).toEqual([]);
    const targets = new Set(proxy.requests.map((r) => `${r.method} ${r.target}`));
    expect(targets).toEqual(
      new Set([`CONNECT ${GITHUB_NAME}:${tls.port}`, `CONNECT ${WORKSPACE_NAME}:${tls.port}`]),
    );
    expect(proxy.requests.every((r) => r.forwarded)).toBe(true);
  });

  it('honours the lower-case https_proxy too', async () => {
    const result = await run({ https_proxy: proxy.url });
    expect(result.exitCode).toBe(0);
    expect(tls.connections.filter((c) => !viaProxy(c))).toEqual([]);
    expect(proxy.requests.length).toBeGreaterThanOrEqual(2);
  });

  it('goes around the proxy for a NO_PROXY host and through it for the others', async () => {
    const result = await run({ HTTPS_PROXY: proxy.url, NO_PROXY: `localhost,${WORKSPACE_NAME}` });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(proxy.requests.map((r) => r.target)).toEqual(
      proxy.requests.map(() => `${GITHUB_NAME}:${tls.port}`),
    );
    expect(proxy.requests.length).toBeGreaterThanOrEqual(1);
    const workspace = tls.connections.filter((c) => c.servername === WORKSPACE_NAME);
    const github = tls.connections.filter((c) => c.servername === GITHUB_NAME);
    expect(workspace.length).toBeGreaterThanOrEqual(1);
    expect(workspace.filter(viaProxy)).toEqual([]);
    expect(github.filter((c) => !viaProxy(c))).toEqual([]);
  });

  it('goes around the proxy for a NO_PROXY domain suffix', async () => {
    const result = await run({ HTTPS_PROXY: proxy.url, NO_PROXY: '.emu.test' });
    expect(result.exitCode).toBe(0);
    expect(proxy.requests).toEqual([]);
    expect(tls.connections.filter(viaProxy)).toEqual([]);
  });

  describe('that wants credentials', () => {
    const USER = 'ci-bot';
    // Every character that must be percent-encoded in a URL's user info, and long enough to scan for.
    const PASSWORD = 'p@ss:w/rd%?#Zq9-Hu7kLm';
    let authenticating: ForwardProxy;
    const proxyUrl = (user: string, password: string) =>
      authenticating.url.replace(
        '://',
        `://${encodeURIComponent(user)}:${encodeURIComponent(password)}@`,
      );

    beforeAll(async () => {
      authenticating = await startForwardProxy(() => '127.0.0.1', {
        credentials: { username: USER, password: PASSWORD },
      });
    });
    afterAll(() => authenticating?.close());
    beforeEach(() => {
      authenticating.requests.length = 0;
    });

    /** Nothing of the proxy password anywhere in what the step printed or wrote. */
    function expectNoCredentials(result: ActionRun, password: string): void {
      expect(findLeaks(result, [password, encodeURIComponent(password)])).toEqual([]);
      for (const text of [result.stdout, result.stderr, result.summary])
        expect(text).not.toContain(password.slice(0, 9));
    }

    it('sends the percent-decoded credentials of the proxy URL, with no warning on stderr', async () => {
      const result = await run({ HTTPS_PROXY: proxyUrl(USER, PASSWORD) });
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
      expect(authenticating.requests.length).toBeGreaterThanOrEqual(2);
      for (const request of authenticating.requests) {
        expect(request.credentials).toBe(`${USER}:${PASSWORD}`);
        expect(request.forwarded).toBe(true);
      }
      expect(result.stderr).not.toMatch(/DeprecationWarning|DEP0005|Buffer\(\)/);
      expect(result.stderr).toBe('');
      expectNoCredentials(result, PASSWORD);
    });

    it('without credentials: one line saying the proxy wants them and how to give them', async () => {
      const result = await run({ HTTPS_PROXY: authenticating.url });
      expect(result.exitCode).toBe(1);
      expect(result.errors).toEqual([
        `Requesting the GitHub OIDC token failed: GitHub OIDC token request was refused by the proxy ${new URL(authenticating.url).host}: it wants credentials (HTTP 407 Proxy Authentication Required). Put the proxy user and password into HTTPS_PROXY, percent-encoded (@ as %40, : as %3A, % as %25): http://user:p%40ss@proxy.example:3128`,
      ]);
      expect(result.stdout).not.toMatch(/ECONNRESET/);
      // Another attempt would send the same nothing: asked once.
      expect(authenticating.requests).toHaveLength(1);
      expect(emulatorRequests()).toEqual([]);
    });

    it('with wrong credentials: says they were not accepted, and echoes none of them', async () => {
      const wrong = 'Wr0ng:p@ss/w0rd-Xy7';
      const result = await run({ HTTPS_PROXY: proxyUrl(USER, wrong) });
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatch(
        /^Requesting the GitHub OIDC token failed: GitHub OIDC token request was refused by the proxy 127\.0\.0\.1:\d+: it did not accept the credentials in the proxy URL \(HTTP 407 Proxy Authentication Required\)\. Check the proxy user and password; /,
      );
      expect(authenticating.requests.map((r) => r.credentials)).toEqual([`${USER}:${wrong}`]);
      expect(result.stderr).toBe('');
      expectNoCredentials(result, wrong);
      expect(result.stdout).not.toContain(USER);
    });
  });

  it('fails with a clear error, and nothing sent elsewhere, when the proxy refuses the host', async () => {
    const refusing = await startForwardProxy(() => undefined);
    try {
      const result = await run({ HTTPS_PROXY: refusing.url });
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatch(
        /^Requesting the GitHub OIDC token failed: .*after 5 attempts/,
      );
      expect(emulatorRequests()).toEqual([]);
      expect(tls.connections).toEqual([]);
      // The audience is given, so no host metadata is asked for: only GitHub was attempted.
      expect(new Set(refusing.requests.map((r) => r.target))).toEqual(
        new Set([`${GITHUB_NAME}:${tls.port}`]),
      );
    } finally {
      await refusing.close();
    }
  });
});
