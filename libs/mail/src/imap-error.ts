/** What went wrong, in terms staff and the fetcher can act on. */
export type ImapFailureKind =
  /** The server refused the credentials. */
  | 'authentication'
  /** TLS handshake or certificate verification failed. */
  | 'tls'
  /** The mailbox requires STARTTLS and the server does not offer it. */
  | 'starttls-unavailable'
  /** Connect, greeting or socket inactivity timeout. */
  | 'timeout'
  /** Refused, reset, unknown host, dropped connection. */
  | 'connection'
  /** The server answered a command with NO or BAD. */
  | 'command'
  | 'unknown';

/**
 * An IMAP failure whose message is safe to show and store (mailbox health, logs, API): it carries the
 * server's answer and never a secret. The original library error is deliberately not attached as
 * `cause`: it can hold the command that was sent.
 */
export class ImapConnectorError extends Error {
  override name = 'ImapConnectorError';

  constructor(
    message: string,
    readonly kind: ImapFailureKind,
    /** The server's answer (e.g. `[AUTHENTICATIONFAILED] Authentication failed.`), when there was one. */
    readonly serverResponse: string | null = null,
    /** Library or socket error code (e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`, `ECONNREFUSED`). */
    readonly code: string | null = null,
  ) {
    super(message);
  }

  /** Worth retrying on the next run without anyone changing the mailbox settings. */
  get transient(): boolean {
    return this.kind === 'timeout' || this.kind === 'connection';
  }
}

/** The subset of imapflow's error properties this module reads. */
interface LibraryError {
  message?: unknown;
  code?: unknown;
  responseText?: unknown;
  serverResponseCode?: unknown;
  response?: unknown;
  authenticationFailed?: unknown;
  tlsFailed?: unknown;
}

const TIMEOUT_CODES = new Set([
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'ETIMEDOUT',
  // ImapSession.within: a step that went on too long in total.
  'OPEN_TIMEOUT',
  'COMMAND_TIMEOUT',
  'MESSAGE_TIMEOUT',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
]);
/** Node's certificate verification codes (tls.TLSSocket#authorizationError) look like these. */
const CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME|ERR_TLS|ERR_SSL/;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** `[CODE] text` from the tagged answer, without the tag that starts the raw response line. */
function serverAnswer(error: LibraryError): string | null {
  const responseText = text(error.responseText);
  const code = text(error.serverResponseCode);
  if (responseText !== null)
    return code !== null && !responseText.includes(code) ? `[${code}] ${responseText}` : responseText;
  const response = text(error.response);
  return response === null ? null : response.replace(/^\S+\s+(?:NO|BAD|BYE)\s+/i, '');
}

/** Replaces every secret (4+ characters, so that short ones cannot mangle the text) with `[redacted]`. */
export function redactSecrets(message: string, secrets: Array<string | null | undefined>): string {
  let result = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join('[redacted]');
  }
  return result;
}

export interface ImapErrorContext {
  host: string;
  port: number;
  user: string;
  /** What was being done, e.g. `connect`, `open INBOX`, `delete`. */
  stage: string;
  /** Values that must never appear in the message (password, token). */
  secrets: string[];
}

/** Turns whatever imapflow or the socket threw into an ImapConnectorError with a safe, specific message. */
export function toImapConnectorError(error: unknown, context: ImapErrorContext): ImapConnectorError {
  if (error instanceof ImapConnectorError) return error;
  const details: LibraryError = typeof error === 'object' && error !== null ? (error as LibraryError) : {};
  const code = text(details.code);
  const libraryMessage = text(details.message) ?? String(error);
  const answer = serverAnswer(details);
  const where = `IMAP ${context.host}:${context.port}`;
  const safe = (message: string) => redactSecrets(message, context.secrets);

  let kind: ImapFailureKind;
  let message: string;
  if (details.authenticationFailed === true) {
    kind = 'authentication';
    message = `${where}: login as "${context.user}" refused: ${answer ?? libraryMessage}`;
  } else if (details.tlsFailed === true && code === null && /STARTTLS/i.test(libraryMessage)) {
    kind = 'starttls-unavailable';
    message =
      `${where}: the mailbox requires STARTTLS but the server does not offer it (${libraryMessage}); ` +
      'use implicit TLS (usually port 993) or check the port';
  } else if (details.tlsFailed === true || (code !== null && CERTIFICATE_CODE.test(code))) {
    kind = 'tls';
    message = `${where}: TLS failed: ${libraryMessage}${code ? ` (${code})` : ''}`;
    if (code !== null && CERTIFICATE_CODE.test(code)) {
      message += "; if the server uses a private CA, add that CA's certificate to the mailbox (trusted CA)";
    }
  } else if (code !== null && TIMEOUT_CODES.has(code)) {
    kind = 'timeout';
    message = `${where}: ${context.stage} timed out (${code}): ${libraryMessage}`;
  } else if (code !== null && CONNECTION_CODES.has(code)) {
    kind = 'connection';
    message = `${where}: ${context.stage} failed, connection problem (${code}): ${libraryMessage}`;
  } else if (answer !== null) {
    kind = 'command';
    message = `${where}: ${context.stage} refused by the server: ${answer}`;
  } else {
    kind = 'unknown';
    message = `${where}: ${context.stage} failed: ${libraryMessage}${code ? ` (${code})` : ''}`;
  }
  return new ImapConnectorError(safe(message), kind, answer === null ? null : safe(answer), code);
}
