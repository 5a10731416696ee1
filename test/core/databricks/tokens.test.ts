// token/create is not idempotent: real HTTP on 127.0.0.1 shows when it is and is not repeated.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPat,
  planPrune,
  type ManagedToken,
} from '../../../src/core/databricks/tokens/index.ts';
import { DEFAULT_RETRY_POLICY, type CallContext } from '../../../src/core/http/retry.ts';
import { createTransport } from '../../../src/core/http/transport.ts';
import { SecretRegistry } from '../../../src/core/secrets/registry.ts';

const PAT = 'dapi0123456789abcdef0123456789abcdef';
const ANSWER = JSON.stringify({
  token_value: PAT,
  token_info: { token_id: 'abc', expiry_time: Date.parse('2030-01-01T00:00:00Z') },
});

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(server: Server, port = 0): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await new Promise<number>((resolve) =>
    probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)),
  );
  await new Promise((r) => probe.close(r));
  return port;
}

function context(sleep: () => Promise<void>, masked: string[]): CallContext {
  return {
    transport: createTransport('test'),
    clock: { now: () => Date.now(), sleep, random: () => 0 },
    log: { info: () => {}, notice: () => {}, warning: () => {} },
    secrets: new SecretRegistry((value) => masked.push(value)),
    policy: { ...DEFAULT_RETRY_POLICY, attemptTimeoutMs: 2000 },
    deadline: Date.now() + 30_000,
  };
}

const request = { lifetimeSeconds: 600, comment: 'gha/o/r/run/1/1/j' };
const owner = { applicationId: undefined };

describe('createPat', () => {
  it('retries a connection refused before anything was sent, and creates one token', async () => {
    const port = await freePort();
    let received = 0;
    const server = createServer((_, res) => {
      received++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
    });
    const masked: string[] = [];
    // The server comes up only during the backoff after the refused first attempt.
    const ctx = context(async () => void (await listen(server, port)), masked);
    const pat = await createPat(
      ctx,
      { workspaceUrl: `http://127.0.0.1:${port}`, token: 't' },
      request,
      owner,
    );
    expect(pat).toMatchObject({ value: PAT, id: 'abc' });
    expect(pat.expiresAt?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(received).toBe(1);
    expect(masked).toEqual([PAT]);
    ctx.transport.dispose();
  });

  it('does not repeat a request the server received but did not answer', async () => {
    let received = 0;
    const server = createServer((req) => {
      received++;
      req.socket.destroy();
    });
    const port = await listen(server);
    const ctx = context(() => Promise.resolve(), []);
    await expect(
      createPat(ctx, { workspaceUrl: `http://127.0.0.1:${port}`, token: 't' }, request, owner),
    ).rejects.toThrow(/not repeated because the server may have done it/);
    expect(received).toBe(1);
    ctx.transport.dispose();
  });

  it('refuses an OAuth token about to expire, before any request', async () => {
    const ctx = context(() => Promise.resolve(), []);
    const bearer = {
      workspaceUrl: 'http://127.0.0.1:9',
      token: 't',
      expiresAt: new Date(Date.now() + 10_000),
    };
    await expect(createPat(ctx, bearer, request, owner)).rejects.toThrow(/too close to expiry/);
  });
});

describe('planPrune', () => {
  const token = (id: string, comment: string, created: number): ManagedToken => ({
    id,
    comment,
    ownerId: '1',
    createdAt: new Date(created),
    expiresAt: undefined,
  });
  const tokens = [
    token('original', 'Partner Connect', 1),
    token('a', 'rotated-by:o/r 2026-01-01T00:00:00.000Z', 2),
    token('b', 'rotated-by:o/r 2026-01-02T00:00:00.000Z', 3),
    token('c', 'rotated-by:o/r 2026-01-03T00:00:00.000Z', 4),
    token('other', 'rotated-by:o/r2 2026-01-04T00:00:00.000Z', 5),
  ];
  const ids = (list: ManagedToken[]) => list.map((t) => t.id);

  it('keeps the newest marked, removes older marked, never touches unmarked', () => {
    const plan = planPrune(tokens, { marker: 'rotated-by:o/r', keep: 2, adoptUnmanaged: false });
    expect(ids(plan.keep)).toEqual(['c', 'b']);
    expect(ids(plan.remove)).toEqual(['a']);
    expect(ids(plan.untouched)).toEqual(['original', 'other']);
  });

  it("claims no token of a rotation whose marker only starts with this one's", () => {
    const mixed = [
      token('mine', 'rotated-by:acme 2026-01-01T00:00:00.000Z', 1),
      token('staging1', 'rotated-by:acme staging 2026-01-02T00:00:00.000Z', 2),
      token('staging2', 'rotated-by:acme staging 2026-01-03T00:00:00.000Z', 3),
      token('bare', 'rotated-by:acme', 0),
    ];
    const plan = planPrune(mixed, { marker: 'rotated-by:acme', keep: 1, adoptUnmanaged: false });
    expect(ids(plan.keep)).toEqual(['mine']);
    expect(ids(plan.remove)).toEqual(['bare']);
    expect(ids(plan.untouched)).toEqual(['staging1', 'staging2']);
  });

  it('adopts unmarked tokens only when asked, and only while a marked one is kept', () => {
    const adopt = { marker: 'rotated-by:o/r', keep: 1, adoptUnmanaged: true };
    expect(ids(planPrune(tokens, adopt).remove)).toEqual(['b', 'a', 'original']);
    expect(ids(planPrune([tokens[0] as ManagedToken], adopt).remove)).toEqual([]);
  });

  it("never adopts another rotation's token, whatever its marker", () => {
    const adopt = { marker: 'rotated-by:acme', keep: 1, adoptUnmanaged: true };
    const mixed = [
      token('mine', 'rotated-by:acme 2026-01-03T00:00:00.000Z', 3),
      token('staging', 'rotated-by:acme staging 2026-01-02T00:00:00.000Z', 2),
      token('theirs', 'rotated-by:other/repo 2026-01-01T00:00:00.000Z', 1),
      token('partner', 'Partner Connect', 0),
    ];
    const plan = planPrune(mixed, adopt);
    expect(ids(plan.remove)).toEqual(['partner']);
    expect(ids(plan.untouched)).toEqual(['staging', 'theirs']);
  });
});
