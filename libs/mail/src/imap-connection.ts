import { rootCertificates, type ConnectionOptions } from 'node:tls';

import { ImapFlow, type ImapFlowOptions, type Logger } from 'imapflow';

import type { MailSecurity } from './fetch-types';
import { ImapConnectorError, toImapConnectorError } from './imap-error';

/**
 * How to log in: a password, or an OAuth2 access token (imapflow sends it as OAUTHBEARER when the
 * server offers that, XOAUTH2 otherwise). The token is obtained just before connecting and never stored.
 */
export type ImapAuth =
  | { kind: 'password'; user: string; password: string }
  | { kind: 'oauth2'; user: string; accessToken: string };

export interface ImapTimeouts {
  /** DNS + TCP + TLS handshake. */
  connectMs: number;
  /** From connected to the server's greeting. */
  greetingMs: number;
  /**
   * From the greeting to logged in (CAPABILITY, STARTTLS, LOGIN/AUTHENTICATE), in total. The whole
   * open is bounded by connectMs + greetingMs + loginMs, so a server that trickles a byte now and then
   * (which keeps `socketMs` from firing) still cannot hold the login forever.
   */
  loginMs: number;
  /** Longest silence on the socket while a command is in flight. */
  socketMs: number;
  /** Longest a command other than a body FETCH may take in total (SELECT, the UID listing, STORE + EXPUNGE). */
  commandMs: number;
  /** Longest wait for the next message of a body FETCH, its transfer included (25 MB in 2 min = 210 KB/s). */
  messageMs: number;
  /** How long LOGOUT may take before the socket is simply closed. */
  logoutMs: number;
}

/**
 * Bounded by default: a dead or stalled server costs at most a few minutes of a worker. The fetch
 * worker's lock must outlive the slowest of these (see `slowestImapTimeoutMs`).
 */
export const DEFAULT_IMAP_TIMEOUTS: ImapTimeouts = {
  connectMs: 15_000,
  greetingMs: 15_000,
  loginMs: 30_000,
  // A large FETCH keeps data flowing; a minute of silence inside one command means a stuck server.
  socketMs: 60_000,
  commandMs: 120_000,
  messageMs: 120_000,
  logoutMs: 5_000,
};

/** The longest single wait a session can be in; each wait ends by itself within this (plus a close). */
export function slowestImapTimeoutMs(timeouts: ImapTimeouts = DEFAULT_IMAP_TIMEOUTS): number {
  return Math.max(
    timeouts.connectMs + timeouts.greetingMs + timeouts.loginMs,
    timeouts.socketMs,
    timeouts.commandMs,
    timeouts.messageMs,
    timeouts.logoutMs,
  );
}

export interface ImapConnectionSettings {
  host: string;
  port: number;
  /** `tls` = implicit TLS; `starttls` = upgrade required (fails if not offered); `none` = plain text. */
  security: MailSecurity;
  auth: ImapAuth;
  /**
   * PEM of a CA to trust for this mailbox only (self-hosted servers), in addition to the public roots.
   * Certificate and host name checks stay on; there is no switch to turn them off.
   */
  trustedCaPem?: string | null;
  timeouts?: Partial<ImapTimeouts>;
}

function tlsOptions(settings: ImapConnectionSettings): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // `ca` replaces Node's root store, so the public roots are passed along with the mailbox's own CA:
    // a server that later moves to a public certificate keeps working.
    ca: settings.trustedCaPem ? [...rootCertificates, settings.trustedCaPem] : undefined,
  };
}

function imapFlowOptions(
  settings: ImapConnectionSettings,
  timeouts: ImapTimeouts,
  logger: Logger,
): ImapFlowOptions {
  const auth = settings.auth;
  let authOptions: ImapFlowOptions['auth'];
  switch (auth.kind) {
    case 'password':
      authOptions = { user: auth.user, pass: auth.password };
      break;
    case 'oauth2':
      authOptions = { user: auth.user, accessToken: auth.accessToken };
      break;
    default: {
      const unknown: never = auth;
      throw new Error(`unsupported IMAP auth kind ${String((unknown as { kind: unknown }).kind)}`);
    }
  }
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    // true: upgrade or fail (never log in over a connection an attacker downgraded); false: stay plain.
    doSTARTTLS: settings.security === 'tls' ? undefined : settings.security === 'starttls',
    tls: tlsOptions(settings),
    auth: authOptions,
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    // The session runs a fixed list of commands: IDLE between them would only cost round trips while
    // a batch is being stored.
    disableAutoIdle: true,
    logger,
    clientInfo: { name: 'ticket-workflow-engine' },
  };
}

function secretsOf(auth: ImapAuth): string[] {
  return auth.kind === 'password' ? [auth.password] : [auth.accessToken];
}

/**
 * One authenticated IMAP connection. Open with `ImapSession.open`, always `close()` in a `finally`.
 * imapflow reports some command failures only through its logger (its delete returns `false`), so
 * the session keeps the last error it logged to give the server's answer in ours.
 */
export class ImapSession {
  private lastLoggedError: unknown = null;
  private connectionError: unknown = null;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly client: ImapFlow,
    readonly settings: ImapConnectionSettings,
    private readonly timeouts: ImapTimeouts,
  ) {}

  /** Connects, upgrades (STARTTLS) and logs in. Throws an ImapConnectorError with a safe message. */
  static async open(settings: ImapConnectionSettings): Promise<ImapSession> {
    const timeouts = { ...DEFAULT_IMAP_TIMEOUTS, ...settings.timeouts };
    // Nothing imapflow logs is passed on (its entries can hold commands as sent); only errors are kept.
    const sink: { session?: ImapSession } = {};
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (entry: unknown) => sink.session?.noteLoggedError(entry),
      error: (entry: unknown) => sink.session?.noteLoggedError(entry),
    };
    const client = new ImapFlow(imapFlowOptions(settings, timeouts, logger));
    const opened = new ImapSession(client, settings, timeouts);
    sink.session = opened;
    // Without a listener an 'error' event (socket reset, timeout) would crash the process.
    client.on('error', (error: unknown) => {
      opened.connectionError = error;
    });
    try {
      await opened.within(
        'connect and login',
        timeouts.connectMs + timeouts.greetingMs + timeouts.loginMs,
        'OPEN_TIMEOUT',
        () => client.connect(),
      );
    } catch (error) {
      client.close();
      throw opened.failure(error, 'connect');
    }
    return opened;
  }

  /** The timeouts in force for this session. */
  get limits(): Readonly<ImapTimeouts> {
    return this.timeouts;
  }

  /**
   * Runs one step with a hard limit on its total time. imapflow's own timeouts watch silence only;
   * this one also ends a step that keeps receiving a trickle. On expiry the connection is closed (the
   * step cannot be resumed on it) and a `timeout` ImapConnectorError with `code` is thrown.
   */
  async within<T>(stage: string, ms: number, code: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new ImapConnectorError(
            `IMAP ${this.settings.host}:${this.settings.port}: ${stage} timed out (${code}): no result within ${ms} ms`,
            'timeout',
            null,
            code,
          ),
        );
        this.client.close();
      }, ms);
    });
    try {
      return await Promise.race([work(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True while the connection can run commands. */
  get usable(): boolean {
    return this.client.usable && !this.client.isClosed;
  }

  /** Whether the server can expunge only given UIDs (UIDPLUS); without it EXPUNGE removes every \Deleted message. */
  get supportsUidExpunge(): boolean {
    return this.client.capabilities.has('UIDPLUS');
  }

  /** Builds the error for a failed step, with the server's answer and without secrets. */
  failure(error: unknown, stage: string): ImapConnectorError {
    return toImapConnectorError(error ?? this.connectionError, {
      host: this.settings.host,
      port: this.settings.port,
      user: this.settings.auth.user,
      stage,
      secrets: secretsOf(this.settings.auth),
    });
  }

  /** The error imapflow logged since the last call (then forgets it), or the connection's own error. */
  takeLoggedError(): unknown {
    const error = this.lastLoggedError ?? this.connectionError;
    this.lastLoggedError = null;
    return error;
  }

  /** Throws an ImapConnectorError when a step that reports failure as `false` failed. */
  assertSucceeded(succeeded: boolean, stage: string): void {
    if (succeeded) return;
    const cause = this.takeLoggedError();
    throw cause === null
      ? new ImapConnectorError(`IMAP ${this.settings.host}:${this.settings.port}: ${stage} failed`, 'unknown')
      : this.failure(cause, stage);
  }

  /** LOGOUT (bounded by `logoutMs`), then the socket is closed whatever the server did. Never throws. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.usable) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeouts.logoutMs)));
        await Promise.race([this.client.logout().catch(() => undefined), timeout]);
        clearTimeout(timer);
      }
      this.client.close();
    })();
    return this.closing;
  }

  private noteLoggedError(entry: unknown): void {
    const error = (entry as { err?: unknown } | null)?.err;
    if (error) this.lastLoggedError = error;
  }
}

/** Opens a session, runs `work`, and closes the session whatever happened. */
export async function withImapSession<T>(
  settings: ImapConnectionSettings,
  work: (session: ImapSession) => Promise<T>,
): Promise<T> {
  const session = await ImapSession.open(settings);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/** "Test connection": connects, logs in and opens INBOX, then logs out. Throws an ImapConnectorError. */
export async function verifyImapConnection(settings: ImapConnectionSettings): Promise<{ messages: number }> {
  return withImapSession(settings, async (session) => {
    try {
      const status = await session.within('STATUS INBOX', session.limits.commandMs, 'COMMAND_TIMEOUT', () =>
        session.client.status('INBOX', { messages: true }),
      );
      session.assertSucceeded(status !== false, 'STATUS INBOX');
      return { messages: status === false ? 0 : (status.messages ?? 0) };
    } catch (error) {
      throw session.failure(error, 'STATUS INBOX');
    }
  });
}
