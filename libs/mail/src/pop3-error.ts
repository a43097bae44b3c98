import { redactSecrets } from './imap-error';

/** What went wrong with a POP3 mailbox, in terms staff and the fetcher can act on. */
export type Pop3FailureKind =
  /** The server refused the credentials (USER/PASS or AUTH XOAUTH2). */
  | 'auth'
  /** TLS handshake or certificate verification failed, or STLS is required and not offered. */
  | 'tls'
  /** Refused, reset, unknown host, dropped connection. */
  | 'connection'
  /** Connect, greeting, auth, command or message took longer than allowed. */
  | 'timeout'
  /** The server answered -ERR to a command, or sent something that is not POP3. */
  | 'protocol';

/**
 * A POP3 failure whose message is safe to show and store (mailbox health, logs, API). It is built by
 * this library from the server's status line and the socket error code only: no command line is ever
 * copied into it (node-pop3 put the last command, i.e. the password or token, into its errors), and
 * every message goes through `redactSecrets` with the mailbox's secrets all the same.
 */
export class Pop3ConnectorError extends Error {
  override name = 'Pop3ConnectorError';

  constructor(
    message: string,
    readonly kind: Pop3FailureKind,
    /** The server's answer (e.g. `-ERR [AUTH] Authentication failed.`), when there was one. */
    readonly serverResponse: string | null = null,
    /** Socket or TLS error code (e.g. `ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`). */
    readonly code: string | null = null,
  ) {
    super(message);
  }

  /** Worth retrying on the next run without anyone changing the mailbox settings. */
  get transient(): boolean {
    return this.kind === 'timeout' || this.kind === 'connection';
  }
}

/** Node's certificate verification codes (tls.TLSSocket#authorizationError) look like these. */
const CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME|ERR_TLS|ERR_SSL/;

export interface Pop3ErrorContext {
  host: string;
  port: number;
  /** What was being done, e.g. `connect`, `USER/PASS`, `RETR 3`. */
  stage: string;
  /** Values that must never appear in the message (password, token). */
  secrets: string[];
}

/** A socket or TLS error (never a server answer) as a Pop3ConnectorError. */
export function pop3SocketError(error: unknown, context: Pop3ErrorContext): Pop3ConnectorError {
  if (error instanceof Pop3ConnectorError) return error;
  const details = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  const code = typeof details.code === 'string' ? details.code : null;
  const libraryMessage = typeof details.message === 'string' ? details.message : String(error);
  const where = `POP3 ${context.host}:${context.port}`;
  let message: string;
  let kind: Pop3FailureKind;
  if (code !== null && CERTIFICATE_CODE.test(code)) {
    kind = 'tls';
    message =
      `${where}: TLS failed: ${libraryMessage} (${code}); ` +
      "if the server uses a private CA, add that CA's certificate to the mailbox (trusted CA)";
  } else {
    kind = 'connection';
    message = `${where}: ${context.stage} failed, connection problem${code ? ` (${code})` : ''}: ${libraryMessage}`;
  }
  return new Pop3ConnectorError(redactSecrets(message, context.secrets), kind, null, code);
}

/** Builds an error with the host in front and the secrets scrubbed from message and server answer. */
export function pop3Error(
  context: Pop3ErrorContext,
  kind: Pop3FailureKind,
  text: string,
  serverResponse: string | null = null,
): Pop3ConnectorError {
  const safeAnswer = serverResponse === null ? null : redactSecrets(serverResponse, context.secrets);
  return new Pop3ConnectorError(
    redactSecrets(`POP3 ${context.host}:${context.port}: ${text}`, context.secrets),
    kind,
    safeAnswer,
  );
}
