import type { CaptureReceipt, FetchAndCaptureOptions, FetchResult } from './fetch-types';
import { ImapSession, verifyImapConnection, type ImapConnectionSettings } from './imap-connection';
import { ImapConnectorError } from './imap-error';
import { fetchAndCapture as fetchAndCaptureImap } from './imap-fetch';
import { Pop3Session, verifyPop3Connection, type Pop3ConnectionSettings } from './pop3-connection';
import { Pop3ConnectorError } from './pop3-error';
import { fetchAndCapturePop3 } from './pop3-fetch';

/**
 * The seam between the fetcher and the protocols: it picks the connector by `protocol` and gives both
 * the same shape (open, fetch and capture, close), so the fetcher has no protocol branches of its own.
 */
export type MailProtocol = 'imap' | 'pop3';

export type MailboxConnectionSettings =
  ({ protocol: 'imap' } & ImapConnectionSettings) | ({ protocol: 'pop3' } & Pop3ConnectionSettings);

/** How to log in, for either protocol: a password, or an OAuth2 access token (XOAUTH2/OAUTHBEARER). */
export type MailboxAuth = MailboxConnectionSettings['auth'];

/** A failure of either connector; both carry a safe message, a `kind` and `transient`. */
export type MailConnectorError = ImapConnectorError | Pop3ConnectorError;

export function isMailConnectorError(error: unknown): error is MailConnectorError {
  return error instanceof ImapConnectorError || error instanceof Pop3ConnectorError;
}

/** The values that must never appear in a log line or an error (for redacting foreign errors). */
export function secretsOfAuth(auth: MailboxAuth): string[] {
  return auth.kind === 'password' ? [auth.password] : [auth.accessToken];
}

/** One logged-in mailbox connection. Always `close()` it in a `finally`; close never throws. */
export interface MailboxSession {
  readonly protocol: MailProtocol;
  /** Same contract for both protocols (fetch-types.ts): capture before delete, batches, `signal`. */
  fetchAndCapture<R extends CaptureReceipt>(options: FetchAndCaptureOptions<R>): Promise<FetchResult>;
  close(): Promise<void>;
}

/** Connects and logs in with the connector of `settings.protocol`. Throws a MailConnectorError. */
export async function openMailboxSession(settings: MailboxConnectionSettings): Promise<MailboxSession> {
  if (settings.protocol === 'imap') {
    const session = await ImapSession.open(settings);
    return {
      protocol: 'imap',
      fetchAndCapture: (options) => fetchAndCaptureImap(session, options),
      close: () => session.close(),
    };
  }
  // POP3 deletes at QUIT, so each batch runs in a session of its own (pop3-fetch.ts); `current` is the
  // one to close when the fetcher shuts down in the middle of a batch.
  let current = await Pop3Session.open(settings);
  const first = current;
  return {
    protocol: 'pop3',
    fetchAndCapture: (options) =>
      fetchAndCapturePop3(first, options, async () => {
        current = await Pop3Session.open(settings);
        return current;
      }),
    close: async () => {
      await first.close();
      await current.close();
    },
  };
}

export interface MailboxCheck {
  protocol: MailProtocol;
  /** Messages in INBOX (IMAP) or in the maildrop (POP3 STAT). */
  messages: number;
  /** Total size in octets (POP3 STAT); null for IMAP. */
  bytes: number | null;
}

/** "Test connection": connect, upgrade, log in, then STATUS INBOX (IMAP) or STAT (POP3). */
export async function verifyMailboxConnection(settings: MailboxConnectionSettings): Promise<MailboxCheck> {
  if (settings.protocol === 'imap') {
    const { messages } = await verifyImapConnection(settings);
    return { protocol: 'imap', messages, bytes: null };
  }
  const { messages, bytes } = await verifyPop3Connection(settings);
  return { protocol: 'pop3', messages, bytes };
}
