// One attempt over real sockets: what the transport leaves behind when an attempt times out.
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type Server as HttpServer,
} from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkError, createTransport, type Transport } from '../../../src/core/http/transport.ts';

/** Accepts connections and never answers; counts the ones the client has not closed. */
async function startSilentServer(): Promise<{
  url: string;
  open: Set<Socket>;
  accepted: () => number;
  server: Server;
}> {
  const open = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    open.add(socket);
    socket.resume(); // read what the client sends, so that its FIN (or RST) is seen
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, open, accepted: () => accepted, server };
}

async function startAnsweringServer(): Promise<{
  url: string;
  headers: IncomingHttpHeaders[];
  server: HttpServer;
}> {
  const headers: IncomingHttpHeaders[] = [];
  const server = createHttpServer((req, res) => {
    headers.push(req.headers);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, headers, server };
}

describe('an attempt that times out before the headers', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  it('closes its connection at once, whatever timeout the transport began with', async () => {
    const silent = await startSilentServer();
    const answering = await startAnsweringServer();
    const transport: Transport = createTransport('test');
    cleanup.push(
      () => transport.dispose(),
      () => silent.server.close(),
      () => answering.server.close(),
      () => answering.server.closeAllConnections(),
      () => silent.open.forEach((socket) => socket.destroy()),
    );
    // The first call sets up the connection pool with a long timeout, as a run's first call does.
    const first = await transport.send({ method: 'GET', url: answering.url, headers: {} }, 600_000);
    expect(first.body).toBe('ok');
    // The transport's own bookkeeping never reaches the server.
    expect(Object.keys(answering.headers[0] ?? {}).filter((name) => name.startsWith('x-'))).toEqual(
      [],
    );

    const attempt = transport.send({ method: 'GET', url: silent.url, headers: {} }, 300);
    await expect(attempt).rejects.toThrow(NetworkError);
    await expect(attempt).rejects.toThrow(/no complete answer within/);
    // The server saw the connection, and then saw it closed (not left for the pool's timeout).
    expect(silent.accepted()).toBe(1);
    await vi.waitFor(() => expect(silent.open.size).toBe(0), { timeout: 10_000, interval: 50 });
  });
});

describe('a transport after dispose', () => {
  it('refuses a request with an error that is not a network fault, so nothing retries it', async () => {
    const answering = await startAnsweringServer();
    const transport = createTransport('test');
    try {
      transport.dispose();
      const attempt = transport.send({ method: 'GET', url: answering.url, headers: {} }, 1000);
      await expect(attempt).rejects.toThrow(/outlived the run/);
      await expect(attempt).rejects.not.toThrow(NetworkError);
      expect(answering.headers).toEqual([]);
    } finally {
      answering.server.close();
    }
  });
});
