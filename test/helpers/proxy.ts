// A loopback TCP proxy of the tests' own in front of the dev Dovecot: it sees every byte the
// server sends and can cut a connection, to count what a sync downloads or to break a FETCH.
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:<port> to 127.0.0.1:<target>. `onServerData` sees each chunk from the server
 * with the bytes this connection has received so far (the chunk included); returning false cuts
 * the connection before the chunk is delivered.
 */
export async function startTcpProxy(target: number, onServerData: (chunk: Buffer, received: number) => boolean = () => true): Promise<TcpProxy> {
  const server = createServer((client: Socket) => {
    const upstream = connect(target, '127.0.0.1');
    let received = 0;
    upstream.on('data', (d: Buffer) => {
      received += d.length;
      if (!onServerData(d, received)) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    client.on('data', (d: Buffer) => upstream.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
