import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between a mail client and a real server that injects the faults a test asks for: cut a
 * connection after N bytes from the server (a dropped connection in the middle of a fetch), cut it
 * when the client sends a matching command (e.g. `/^QUIT/m`: a POP3 session dropped right before it
 * commits), or blank the body literal of one `BODY[] {n}` answer (a server that returns an empty body).
 * Plain-text protocols only: it cannot see inside TLS, so mailboxes behind it use security `none`.
 */
export interface FaultProxy {
  host: '127.0.0.1';
  port: number;
  /** The next connection is destroyed (both sides) after it forwarded `bytes` bytes from the server. */
  cutNextConnectionAfter(bytes: number): void;
  /** The `nth` (1-based) IMAP `BODY[] {n}` literal from now on is sent as `{0}` and its bytes dropped. */
  blankBodyLiteral(nth: number): void;
  /**
   * While set, a client chunk whose text matches is not forwarded: both sockets are destroyed instead,
   * as a network failure would.
   */
  cutWhenClientSends: RegExp | null;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections cut by `cutNextConnectionAfter` or `cutWhenClientSends`. */
  readonly cuts: number;
  /** Literals blanked by `blankBodyLiteral`. */
  readonly blanked: number;
  close(): Promise<void>;
}

/** Rewrites one IMAP response stream (server -> client), line by line, passing literals through. */
class ImapLiteralRewriter {
  private pending: Buffer[] = [];
  private literalLeft = 0;
  private dropLiteral = false;

  constructor(private readonly shouldBlank: () => boolean) {}

  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, chunk.length - at);
        if (!this.dropLiteral) out.push(chunk.subarray(at, at + take));
        this.literalLeft -= take;
        at += take;
        continue;
      }
      const newline = chunk.indexOf(0x0a, at);
      if (newline === -1) {
        this.pending.push(chunk.subarray(at));
        break;
      }
      this.pending.push(chunk.subarray(at, newline + 1));
      at = newline + 1;
      let line = Buffer.concat(this.pending);
      this.pending = [];
      // latin1 maps bytes 1:1, so the rewritten line is the same bytes except for the literal length.
      const text = line.toString('latin1');
      const literal = /\{(\d+)\}\r\n$/.exec(text);
      if (literal !== null) {
        this.literalLeft = Number(literal[1]);
        this.dropLiteral = false;
        if (/BODY\[\]/i.test(text) && this.shouldBlank()) {
          line = Buffer.from(text.replace(/\{\d+\}\r\n$/, '{0}\r\n'), 'latin1');
          this.dropLiteral = true;
        }
      }
      out.push(line);
    }
    return Buffer.concat(out);
  }
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let cutAfter: number | null = null;
  let blankAt: number | null = null;
  let bodiesSeen = 0;
  const stats = { connections: 0, cuts: 0, blanked: 0 };
  const sockets = new Set<Socket>();

  const shouldBlank = (): boolean => {
    if (blankAt === null) return false;
    bodiesSeen++;
    if (bodiesSeen !== blankAt) return false;
    blankAt = null;
    stats.blanked++;
    return true;
  };

  const server: Server = createServer((client) => {
    stats.connections++;
    const limit = cutAfter;
    cutAfter = null;
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const rewriter = new ImapLiteralRewriter(shouldBlank);
    let forwarded = 0;
    upstream.on('data', (chunk: Buffer) => {
      let data = rewriter.push(chunk);
      if (limit !== null && forwarded + data.length >= limit) {
        data = data.subarray(0, Math.max(0, limit - forwarded));
        client.write(data);
        stats.cuts++;
        // A hard drop, as a failing network would do it: no BYE, no FIN handshake with the server.
        client.destroy();
        upstream.destroy();
        return;
      }
      forwarded += data.length;
      client.write(data);
    });
    client.on('data', (chunk: Buffer) => {
      if (proxy.cutWhenClientSends?.test(chunk.toString('latin1'))) {
        stats.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');

  const proxy: FaultProxy = {
    host: '127.0.0.1',
    port: address.port,
    cutNextConnectionAfter(bytes) {
      cutAfter = bytes;
    },
    cutWhenClientSends: null,
    blankBodyLiteral(nth) {
      blankAt = nth;
      bodiesSeen = 0;
    },
    get connections() {
      return stats.connections;
    },
    get cuts() {
      return stats.cuts;
    },
    get blanked() {
      return stats.blanked;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
