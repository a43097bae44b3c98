import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  host: '127.0.0.1';
  port: number;
  /**
   * When set, a client chunk whose text matches is not forwarded: both sockets are destroyed instead,
   * as a network failure would (e.g. `/^QUIT/m` drops a POP3 session right before it commits).
   */
  cutWhenClientSends: RegExp | null;
  /** How many connections were cut so far. */
  readonly cuts: number;
  stop(): Promise<void>;
}

/**
 * A plain TCP relay to `target` for fault tests: the client talks to the real server through it, and
 * the test decides when the connection dies. Only meaningful for plain-text protocols (it matches text).
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cuts = 0;
  const proxy: TcpProxy = {
    host: '127.0.0.1',
    port: 0,
    cutWhenClientSends: null,
    get cuts() {
      return cuts;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (proxy.cutWhenClientSends?.test(chunk.toString('latin1'))) {
        cuts++;
        drop();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as { port: number }).port;
  return proxy;
}
