// A loopback TCP proxy of the tests' own in front of the dev Dovecot: it sees every byte the
// server sends and can cut a connection, to count what a sync downloads or to break a FETCH.
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /**
   * Makes the open connections die silently, as behind a NAT that forgot them: sockets stay open
   * but no byte passes either way any more. Connections opened afterwards work.
   */
  freeze(): void;
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:<port> to 127.0.0.1:<target>. `onServerData` sees each chunk from the server
 * with the bytes this connection has received so far (the chunk included); returning false cuts
 * the connection before the chunk is delivered.
 */
export async function startTcpProxy(target: number, onServerData: (chunk: Buffer, received: number) => boolean = () => true): Promise<TcpProxy> {
  const open = new Set<{ frozen: boolean; sockets: Socket[] }>();
  const server = createServer((client: Socket) => {
    const upstream = connect(target, '127.0.0.1');
    const state = { frozen: false, sockets: [client, upstream] };
    open.add(state);
    let received = 0;
    upstream.on('data', (d: Buffer) => {
      if (state.frozen) return;
      received += d.length;
      if (!onServerData(d, received)) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    client.on('data', (d: Buffer) => {
      if (!state.frozen) upstream.write(d);
    });
    client.on('close', () => open.delete(state));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => {
      for (const s of open) s.frozen = true;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of open) for (const sock of s.sockets) sock.destroy();
      }),
  };
}
