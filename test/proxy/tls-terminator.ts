// A local TLS front for the emulator's plain-HTTP servers: one port, one certificate for every test
// host name, and the server name the client asked for (SNI) picks the emulator server behind it.
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';

export interface TlsConnection {
  servername: string;
  /** The client's port: a proxy's upstream port when the connection came through it. */
  remotePort: number;
}

export interface TlsTerminator {
  port: number;
  connections: TlsConnection[];
  close(): Promise<void>;
}

/** `backends` maps a server name to the 127.0.0.1 port that serves it. */
export async function startTlsTerminator(
  credentials: { key: string; cert: string },
  backends: Record<string, number>,
): Promise<TlsTerminator> {
  const connections: TlsConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(credentials, (socket: TLSSocket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const servername = typeof socket.servername === 'string' ? socket.servername : '';
    connections.push({ servername, remotePort: socket.remotePort ?? 0 });
    const port = backends[servername];
    if (port === undefined) {
      socket.destroy();
      return;
    }
    const backend = connect(port, '127.0.0.1');
    sockets.add(backend);
    backend.on('close', () => sockets.delete(backend));
    backend.on('error', () => socket.destroy());
    socket.on('close', () => backend.destroy());
    socket.pipe(backend).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
