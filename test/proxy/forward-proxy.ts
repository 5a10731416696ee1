// A small HTTP forward proxy, as a corporate proxy would be: CONNECT tunnels for HTTPS, nothing
// else. It resolves host names from its own table only (never DNS), so a name it does not know is
// refused, and it records every request it sees.
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** host:port for CONNECT, the absolute URL otherwise. */
  target: string;
  /** Whether it was let through. */
  forwarded: boolean;
}

export interface ForwardProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Local ports of the proxy's own upstream connections: how a server tells proxied peers apart. */
  upstreamPorts: Set<number>;
  close(): Promise<void>;
}

/** `resolve` maps a host name to a loopback address, or undefined to refuse it. */
export async function startForwardProxy(
  resolve: (hostname: string) => string | undefined,
): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const upstreamPorts = new Set<number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    // Plain-HTTP forwarding is never needed: the action refuses http:// except to loopback,
    // which no proxy is asked for.
    requests.push({ method: req.method ?? '', target: req.url ?? '', forwarded: false });
    res.writeHead(501, { 'content-type': 'text/plain' }).end('only CONNECT is supported\n');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    const match = /^([^:[\]]+|\[[^\]]+\]):(\d+)$/.exec(target);
    const address = match?.[1] === undefined ? undefined : resolve(match[1]);
    requests.push({ method: 'CONNECT', target, forwarded: address !== undefined });
    if (match === null || address === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(Number(match[2]), address, () => {
      upstreamPorts.add(upstream.localPort ?? 0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    upstreamPorts,
    close: () =>
      new Promise((resolveClose) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}
