import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';

import { pop3Error, pop3SocketError, type Pop3ConnectorError, type Pop3ErrorContext } from './pop3-error';
import { Pop3FramingError, type ResponseDecoder } from './pop3-response';

const EMPTY = Buffer.alloc(0);
/** A server talking without being asked (beyond a greeting) is not speaking POP3. */
const MAX_UNREQUESTED_BYTES = 1024 * 1024;

/** Limits of one read: the whole response, and the longest silence while it streams in. */
export interface ReadLimits {
  totalMs: number;
  idleMs: number;
  /** For the error message, e.g. `greeting`, `RETR 3`. */
  stage: string;
}

interface PendingRead {
  decoder: ResponseDecoder;
  resolve: () => void;
  reject: (error: Pop3ConnectorError) => void;
  stage: string;
  idle: NodeJS.Timeout;
}

/**
 * The byte stream of one POP3 connection: writes command lines, and hands incoming chunks to the
 * decoder of the response being read (one at a time: POP3 without PIPELINING answers in order).
 * Every read is bounded; a timeout or socket error destroys the socket, so nothing is left hanging.
 */
export class Pop3Wire {
  private socket: Socket | TLSSocket;
  private buffered: Buffer = EMPTY;
  private reading: PendingRead | null = null;
  private failure: Pop3ConnectorError | null = null;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onError = (error: Error) => this.fail(pop3SocketError(error, this.contextFor('read')));
  private readonly onClose = () =>
    this.fail(
      pop3Error(this.context, 'connection', `${this.reading?.stage ?? 'idle'}: the connection was closed`),
    );

  private constructor(
    socket: Socket | TLSSocket,
    private readonly context: Pop3ErrorContext,
  ) {
    this.socket = socket;
    this.attach();
  }

  /**
   * TCP (plain) or TLS (implicit) connect, bounded by `timeoutMs` including the TLS handshake and the
   * certificate check. `tls` carries the trust settings; host name checks stay on.
   */
  static connect(
    target: { host: string; port: number; tls: ConnectionOptions | null },
    timeoutMs: number,
    context: Pop3ErrorContext,
  ): Promise<Pop3Wire> {
    return new Promise((resolve, reject) => {
      const socket =
        target.tls === null
          ? connectTcp({ host: target.host, port: target.port })
          : connectTls({ ...target.tls, ...tlsTarget(target.host), port: target.port });
      const readyEvent = target.tls === null ? 'connect' : 'secureConnect';
      const timer = setTimeout(() => {
        cleanup();
        socket.destroy();
        reject(pop3Error(context, 'timeout', `connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        cleanup();
        resolve(new Pop3Wire(socket, context));
      };
      const onError = (error: Error) => {
        cleanup();
        socket.destroy();
        reject(pop3SocketError(error, { ...context, stage: 'connect' }));
      };
      const cleanup = () => {
        clearTimeout(timer);
        socket.off(readyEvent, onReady);
        socket.off('error', onError);
      };
      socket.once(readyEvent, onReady);
      socket.once('error', onError);
    });
  }

  get encrypted(): boolean {
    return (this.socket as TLSSocket).encrypted === true;
  }

  get closed(): boolean {
    return this.socket.destroyed || this.failure !== null;
  }

  /** Sends one command line. The line is never kept or put into an error (it may hold a secret). */
  write(line: string): void {
    if (this.failure) throw this.failure;
    this.socket.write(`${line}\r\n`, 'utf8');
  }

  /** Feeds incoming bytes to `decoder` until it reports the response complete. */
  read(decoder: ResponseDecoder, limits: ReadLimits): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.reading) return Promise.reject(new Error('POP3: a response is already being read'));
    return new Promise<void>((resolve, reject) => {
      // Two clocks: silence (`idleMs`, re-armed by every chunk) and the whole answer (`totalMs`).
      const idleOnly = limits.totalMs <= limits.idleMs;
      const total = setTimeout(
        () =>
          this.timeOut(
            idleOnly
              ? `${limits.stage}: no answer within ${limits.totalMs} ms`
              : `${limits.stage} took longer than ${limits.totalMs} ms`,
          ),
        limits.totalMs,
      );
      const idle = setTimeout(
        () => this.timeOut(`${limits.stage}: the server sent nothing for ${limits.idleMs} ms`),
        idleOnly ? 2 ** 31 - 1 : limits.idleMs,
      );
      const settle = () => {
        clearTimeout(total);
        clearTimeout(idle);
        this.reading = null;
      };
      this.reading = {
        decoder,
        stage: limits.stage,
        idle,
        resolve: () => {
          settle();
          resolve();
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      if (this.buffered.length > 0) {
        const chunk = this.buffered;
        this.buffered = EMPTY;
        this.receive(chunk);
      }
    });
  }

  /**
   * STLS: hands the connected socket to TLS (RFC 2595) and waits for the handshake and certificate
   * check. Only called right after the server's `+OK` to STLS, when nothing else is in flight.
   */
  async upgradeToTls(host: string, tls: ConnectionOptions, timeoutMs: number): Promise<void> {
    if (this.buffered.length > 0) {
      // Bytes after "+OK" to STLS and before the handshake were not protected by TLS: a man in the
      // middle can inject answers there (the STARTTLS command injection class of bugs). Refuse.
      const error = pop3Error(this.context, 'tls', 'the server sent data after accepting STLS; refused');
      this.fail(error);
      throw error;
    }
    const plain = this.socket;
    this.detach();
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const upgraded = connectTls({ ...tls, ...tlsTarget(host), socket: plain });
      const timer = setTimeout(() => {
        cleanup();
        upgraded.destroy();
        reject(
          pop3Error(this.context, 'timeout', `TLS handshake after STLS timed out after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const onReady = () => {
        cleanup();
        resolve(upgraded);
      };
      const onError = (error: Error) => {
        cleanup();
        upgraded.destroy();
        reject(pop3SocketError(error, { ...this.context, stage: 'STLS' }));
      };
      const cleanup = () => {
        clearTimeout(timer);
        upgraded.off('secureConnect', onReady);
        upgraded.off('error', onError);
      };
      upgraded.once('secureConnect', onReady);
      upgraded.once('error', onError);
    }).catch((error: Pop3ConnectorError) => {
      this.failure = error;
      plain.destroy();
      throw error;
    });
    this.socket = secure;
    this.attach();
  }

  /** True while a response is being read (another command cannot be sent). */
  get busy(): boolean {
    return this.reading !== null;
  }

  /**
   * Ends the connection at once, without QUIT (the server then deletes nothing). A read in flight
   * (shutdown in the middle of a RETR) fails at once instead of waiting for its timeout. Idempotent.
   */
  destroy(): void {
    this.fail(pop3Error(this.context, 'connection', 'the connection was closed by the client'));
  }

  private attach(): void {
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  private detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
  }

  private receive(chunk: Buffer): void {
    const reading = this.reading;
    if (reading === null) {
      // Nothing asked for yet (e.g. the greeting arrives before the first read): keep it, within reason.
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      if (this.buffered.length > MAX_UNREQUESTED_BYTES) {
        this.fail(pop3Error(this.context, 'protocol', 'the server sends data nobody asked for'));
      }
      return;
    }
    reading.idle.refresh();
    let rest: Buffer | undefined;
    try {
      rest = reading.decoder.feed(chunk);
    } catch (error) {
      const text = error instanceof Pop3FramingError ? error.message : String(error);
      const failure = pop3Error(this.contextFor(reading.stage), 'protocol', `${reading.stage}: ${text}`);
      this.fail(failure);
      return;
    }
    if (rest === undefined) return;
    this.buffered = rest;
    reading.resolve();
  }

  private timeOut(text: string): void {
    this.fail(pop3Error(this.context, 'timeout', text));
  }

  private fail(error: Pop3ConnectorError): void {
    const first = this.failure === null;
    this.failure ??= error;
    const reading = this.reading;
    if (first) {
      this.detach();
      // A late 'error' from the dying socket must not crash the process.
      this.socket.on('error', () => undefined);
      this.socket.destroy();
    }
    reading?.reject(this.failure);
  }

  private contextFor(stage: string): Pop3ErrorContext {
    return { ...this.context, stage: this.reading?.stage ?? stage };
  }
}

/**
 * Host name verification uses `host`; SNI (`servername`) must be a name, never an IP address
 * (RFC 6066), so it is only set for names.
 */
function tlsTarget(host: string): ConnectionOptions {
  return isIP(host) === 0 ? { host, servername: host } : { host };
}
