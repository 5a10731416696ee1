// The contract audit's mismatches (../shared/reference/contract-audit.md), each against a real
// HTTP server on 127.0.0.1 answering as the recorded or SDK-accepted Databricks answers do.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchHostMetadata } from '../../../src/core/databricks/discovery.ts';
import { parseHost } from '../../../src/core/databricks/host.ts';
import {
  createPat,
  deleteManagedToken,
  deletePat,
  findServicePrincipal,
  mintOboToken,
} from '../../../src/core/databricks/tokens/index.ts';
import { callRest } from '../../../src/core/http/rest.ts';
import {
  classifyResponse,
  DEFAULT_RETRY_POLICY,
  type CallContext,
} from '../../../src/core/http/retry.ts';
import { createTransport } from '../../../src/core/http/transport.ts';
import { SecretRegistry } from '../../../src/core/secrets/registry.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server answering every request with `handler`; resolves to its origin and what it received. */
async function serve(handler: Handler) {
  const received: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    received.push(req);
    handler(req, res);
  });
  servers.push(server);
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
  return { url: `http://127.0.0.1:${port}`, received };
}

function answer(
  status: number,
  body: string | object = '',
  headers: Record<string, string> = {},
): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

const logged: string[] = [];
function context(extra: Partial<CallContext> = {}): CallContext {
  return {
    transport: createTransport('test'),
    clock: { now: () => Date.now(), sleep: () => Promise.resolve(), random: () => 0 },
    log: { info: (line) => logged.push(line), notice: () => {}, warning: () => {} },
    secrets: new SecretRegistry(() => {}),
    policy: { ...DEFAULT_RETRY_POLICY, attemptTimeoutMs: 2000 },
    deadline: Date.now() + 30_000,
    ...extra,
  };
}

/** What the promise was rejected with; a test fails if it was not. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const INVALID = { error_code: 403, message: 'Invalid access token.' };
const request = { lifetimeSeconds: 600, comment: 'gha/o/r/run/1/1/j' };

describe('C5: any 2xx is success, and an empty body is allowed', () => {
  it.each([
    [200, ''],
    [204, ''],
    [200, '{}'],
    [201, ' \n'],
  ])('token/delete answered %i %j revokes', async (status, body) => {
    const { url } = await serve(answer(status, body));
    const bearer = { workspaceUrl: url, token: 'oauth' };
    expect(await deletePat(context(), bearer, 'abc', false)).toBe('revoked');
  });

  it('a token-management DELETE answered 204 is done', async () => {
    const { url } = await serve(answer(204));
    await expect(
      deleteManagedToken(context(), { workspaceUrl: url, token: 'admin' }, 'abc'),
    ).resolves.toBeUndefined();
  });
});

describe('C3: an invalid or expired bearer is 403 "Invalid access token."', () => {
  it('counts a dead job PAT as already gone when it revokes itself', async () => {
    const { url } = await serve(answer(403, INVALID));
    const bearer = { workspaceUrl: url, token: 'dapi-dead' };
    expect(await deletePat(context(), bearer, 'abc', true)).toBe('already gone');
    // With another bearer the same answer is a refusal: the PAT itself may still be live.
    expect(await deletePat(context(), bearer, 'abc', false)).toBe('refused');
  });

  it('keeps a 403 that is not about the token a refusal', async () => {
    const { url } = await serve(answer(403, { error_code: 'PERMISSION_DENIED', message: 'no' }));
    const bearer = { workspaceUrl: url, token: 'dapi' };
    expect(await deletePat(context(), bearer, 'abc', true)).toBe('refused');
  });

  it('tells a dead OAuth token from a missing grant at token/create', async () => {
    const { url } = await serve(answer(403, INVALID));
    const error = await failure(
      createPat(context(), { workspaceUrl: url, token: 'x' }, request, {
        applicationId: undefined,
      }),
    );
    expect(error.message).toContain('expired or invalid');
    expect(error.message).toContain('HTTP 403 403: Invalid access token.');
    expect(error.message).not.toMatch(/Can Use|admin|disabled/);
  });

  it('gives no admin advice for a dead token at Token Management', async () => {
    const { url } = await serve(answer(403, INVALID));
    const error = await failure(
      deleteManagedToken(context(), { workspaceUrl: url, token: 'x' }, 'a'),
    );
    expect(error.message).toContain('expired or invalid');
    expect(error.message).not.toContain('workspace admin');
  });
});

describe('E3: on-behalf-of tokens on Azure', () => {
  const principal = {
    id: '1',
    applicationId: '9a1b1f3e-0000-4000-8000-000000000000',
    displayName: 'p',
  };

  it('gets the Azure advice from the answer Azure recorded', async () => {
    const message = 'On-Behalf of tokens are not enabled for this workspace.';
    const { url } = await serve(answer(400, { error_code: 'INVALID_PARAMETER_VALUE', message }));
    const error = await failure(
      mintOboToken(context(), { workspaceUrl: url, token: 'x' }, principal, request),
    );
    expect(error.message).toContain('not on Azure');
    expect(error.message).toContain('self-token alternative');
    expect(error.message).not.toContain('A workspace admin enables');
  });

  it('keeps the enable advice for the AWS/GCP text', async () => {
    const { url } = await serve(
      answer(400, {
        error_code: 'FEATURE_DISABLED',
        message:
          'On-behalf-of token creation for service principals is not enabled for this workspace',
      }),
    );
    const error = await failure(
      mintOboToken(context(), { workspaceUrl: url, token: 'x' }, principal, request),
    );
    expect(error.message).toContain('A workspace admin enables');
  });
});

describe('C2 and A11: REST details', () => {
  it('reads a numeric error_code', async () => {
    const { url } = await serve(answer(409, { error_code: 409, message: 'conflict' }));
    const error = await failure(
      callRest(context(), {
        stage: 'pat',
        what: 'GET x',
        method: 'GET',
        url,
        bearer: 't',
      }),
    );
    expect((error as Error & { errorCode?: string }).errorCode).toBe('409');
  });

  it('sends X-Databricks-Workspace-Id when the workspace ID is known, as the SDKs do', async () => {
    const { url, received } = await serve(answer(200, '{}'));
    const call = { stage: 'pat', what: 'GET x', method: 'GET', url, bearer: 't' } as const;
    await callRest(context({ workspaceId: '1234' }), call);
    await callRest(context(), call);
    expect(received.map((r) => r.headers['x-databricks-workspace-id'])).toEqual([
      '1234',
      undefined,
    ]);
  });
});

describe('C6: throttling by error code at any status (Go SDK apierr/error_mapping.go)', () => {
  it.each([
    [400, '{"error_code":"RESOURCE_EXHAUSTED","message":"quota"}'],
    [409, '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}'],
    [
      403,
      '{"message":"REQUEST_LIMIT_EXCEEDED: GetUserPermissionsRequest RPC token bucket limit has been exceeded."}',
    ],
  ])('%i %s is retried', (status, body) => {
    expect(classifyResponse(status, body)).toBe('retry');
  });

  it('does not take a lower-case word for the code', () => {
    expect(classifyResponse(400, '{"message":"resource_exhausted is not a thing here"}')).toBe(
      'fail',
    );
  });
});

describe("an answer over the size limit is the server's doing", () => {
  it('fails at once and names the host, with no retry', async () => {
    const { url, received } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.alloc(1024 * 1024 + 10, 0x20));
    });
    const error = await failure(
      callRest(context(), {
        stage: 'pat',
        what: 'GET /big',
        method: 'GET',
        url: `${url}/big`,
        bearer: 't',
      }),
    );
    expect(error.message).toContain('127.0.0.1 sent an answer larger than the 1 MiB limit');
    expect(error.message).not.toMatch(/transient|re-run/i);
    expect(received).toHaveLength(1);
  });
});

describe('F2: SCIM paging advances by the results returned', () => {
  it('reads a second page of a server that caps pages below the count asked', async () => {
    const all = ['1', '2'].map((id) => ({
      id,
      applicationId: `9a1b1f3e-0000-4000-8000-00000000000${id}`,
      displayName: 'dup',
    }));
    const { url, received } = await serve((req, res) => {
      const start = Number(new URL(req.url ?? '', 'http://x').searchParams.get('startIndex'));
      answer(200, { totalResults: 2, startIndex: start, Resources: all.slice(start - 1, start) })(
        req,
        res,
      );
    });
    const error = await failure(
      findServicePrincipal(context(), { workspaceUrl: url, token: 't' }, 'dup'),
    );
    expect(error.message).toContain('more than one service principal');
    expect(
      received.map((r) => new URL(r.url ?? '', 'http://x').searchParams.get('startIndex')),
    ).toEqual(['1', '2']);
  });
});

describe('A5: the token endpoint comes from oidc_endpoint and its OAuth server metadata', () => {
  const ACCOUNT = '0d26daa6-5e44-4c97-a497-ef015f91254a';

  it('substitutes {account_id} and reads token_endpoint, as the SDKs do', async () => {
    let origin = '';
    const { url, received } = await serve((req, res) => {
      if (req.url === '/.well-known/databricks-config')
        return answer(200, {
          host_type: 'unified',
          oidc_endpoint: `${origin}/oidc/accounts/{account_id}`,
          workspace_id: '77',
        })(req, res);
      return answer(200, { token_endpoint: `${origin}/oidc/accounts/${ACCOUNT}/v1/token` })(
        req,
        res,
      );
    });
    origin = url;
    const metadata = await fetchHostMetadata(context(), {
      host: parseHost(url),
      accountId: ACCOUNT,
    });
    expect(metadata).toMatchObject({
      hostType: 'unified',
      workspaceId: '77',
      tokenEndpoint: `${url}/oidc/accounts/${ACCOUNT}/v1/token`,
    });
    expect(received.map((r) => r.url)).toEqual([
      '/.well-known/databricks-config',
      `/oidc/accounts/${ACCOUNT}/.well-known/oauth-authorization-server`,
    ]);
  });

  it('leaves the template unresolved without an account ID, and asks nothing more', async () => {
    let origin = '';
    const { url, received } = await serve((req, res) =>
      answer(200, { oidc_endpoint: `${origin}/oidc/accounts/{account_id}` })(req, res),
    );
    origin = url;
    const metadata = await fetchHostMetadata(context(), {
      host: parseHost(url),
      accountId: undefined,
    });
    expect(metadata?.tokenEndpoint).toBeUndefined();
    expect(received).toHaveLength(1);
  });

  it('ignores a token_endpoint on another host: the JWT never leaves the configured host', async () => {
    let origin = '';
    const { url } = await serve((req, res) => {
      if (req.url === '/.well-known/databricks-config')
        return answer(200, { oidc_endpoint: `${origin}/oidc` })(req, res);
      return answer(200, { token_endpoint: 'https://evil.test/oidc/v1/token' })(req, res);
    });
    origin = url;
    const metadata = await fetchHostMetadata(context(), {
      host: parseHost(url),
      accountId: undefined,
    });
    expect(metadata?.tokenEndpoint).toBeUndefined();
    expect(logged.some((line) => line.includes('no usable token_endpoint'))).toBe(true);
  });
});
