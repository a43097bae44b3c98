import type { SecretCipher } from '@twe/config';
import type { MailboxAuth, MailboxConnectionSettings, MailProtocol } from '@twe/mail';
import { MailboxKind, type Mailbox } from '@twe/persistence';

/** A mailbox whose settings are incomplete (no password, not connected). Permanent until staff act. */
export class MailboxNotFetchableError extends Error {
  override name = 'MailboxNotFetchableError';
}

/** Which connector and which way to log in, per mailbox type (SPEC §2). */
const KINDS: Record<MailboxKind, { protocol: MailProtocol; oauth: boolean }> = {
  [MailboxKind.Imap]: { protocol: 'imap', oauth: false },
  [MailboxKind.Pop3]: { protocol: 'pop3', oauth: false },
  [MailboxKind.ImapOAuth]: { protocol: 'imap', oauth: true },
  [MailboxKind.Pop3OAuth]: { protocol: 'pop3', oauth: true },
};

export interface ConnectionSecrets {
  /**
   * For the OAuth types: an access token obtained just before the fetch (by the token service). Without
   * one an OAuth mailbox is "not connected".
   */
  accessToken?: string | null;
}

/**
 * Connection settings of a mailbox row, with its password decrypted or the given access token (kept in
 * memory for this fetch only).
 */
export function connectionSettingsFor(
  mailbox: Mailbox,
  cipher: SecretCipher,
  secrets: ConnectionSecrets = {},
): MailboxConnectionSettings {
  const kind = KINDS[mailbox.kind];
  if (kind === undefined) {
    throw new MailboxNotFetchableError(`Mailbox type "${mailbox.kind}" is not known to this version`);
  }
  let auth: MailboxAuth;
  if (kind.oauth) {
    if (!secrets.accessToken) {
      throw new MailboxNotFetchableError(
        `Mailbox is not connected: type "${mailbox.kind}" needs an OAuth access token; ` +
          'connect (authorize) the mailbox first',
      );
    }
    auth = { kind: 'oauth2', user: mailbox.username, accessToken: secrets.accessToken };
  } else {
    if (!mailbox.passwordEncrypted) throw new MailboxNotFetchableError('Mailbox has no password set');
    auth = { kind: 'password', user: mailbox.username, password: cipher.decrypt(mailbox.passwordEncrypted) };
  }
  return {
    protocol: kind.protocol,
    host: mailbox.host,
    port: mailbox.port,
    security: mailbox.security,
    auth,
    trustedCaPem: mailbox.trustedCaPem,
  };
}
