// A small HTTP forward proxy, as a corporate proxy would be: CONNECT tunnels for HTTPS, nothing
// else. It resolves host names from its own table only (never DNS), so a name it does not know is
// refused, and it records every request it sees. Given credentials, it answers a CONNECT without
// them (or with others) with 407, as an authenticating proxy does.
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** host:port for CONNECT, the absolute URL otherwise. */
  target: string;
  /** Whether it was let through. */
  forwarded: boolean;
  /** The decoded `user:password` of its Proxy-Authorization header (Basic), if it had one. */
  credentials: string | undefined;
}

export interface ProxyOptions {
  /** Demand these (Basic), answering 407 without them. */
  credentials?: { username: string; password: string };
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
  options: ProxyOptions = {},
): Promise<ForwardProxy> {
  const wanted =
    options.credentials && `${options.credentials.username}:${options.credentials.password}`;
  const requests: ProxiedRequest[] = [];
  const upstreamPorts = new Set<number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    // Plain-HTTP forwarding is never needed: the action refuses http:// except to loopback,
    // which no proxy is asked for.
    requests.push({
      method: req.method ?? '',
      target: req.url ?? '',
      forwarded: false,
      credentials: undefined,
    });
    res.writeHead(501, { 'content-type': 'text/plain' }).end('only CONNECT is supported\n');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    const credentials = basicCredentials(req.headers['proxy-authorization']);
    if (wanted !== undefined && credentials !== wanted) {
      requests.push({ method: 'CONNECT', target, forwarded: false, credentials });
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const match = /^([^:[\]]+|\[[^\]]+\]):(\d+)$/.exec(target);
    const address = match?.[1] === undefined ? undefined : resolve(match[1]);
    requests.push({ method: 'CONNECT', target, forwarded: address !== undefined, credentials });
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

function basicCredentials(header: string | undefined): string | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  return match?.[1] === undefined ? undefined : Buffer.from(match[1], 'base64').toString('utf8');
}
