import type { SecretCipher } from '@twe/config';
import type { ImapConnectionSettings } from '@twe/mail';
import { MailboxKind, type Mailbox } from '@twe/persistence';

/** A mailbox this version cannot fetch yet, or one whose settings are incomplete. Permanent until staff act. */
export class MailboxNotFetchableError extends Error {
  override name = 'MailboxNotFetchableError';
}

/** Connection settings of a mailbox row, with its password decrypted (kept in memory for the fetch only). */
export function imapSettingsFor(mailbox: Mailbox, cipher: SecretCipher): ImapConnectionSettings {
  if (mailbox.kind !== MailboxKind.Imap) {
    // POP3 and the OAuth kinds arrive with their connectors; the schedule runs anyway so health shows why.
    throw new MailboxNotFetchableError(
      `Mailbox type "${mailbox.kind}" cannot be fetched by this version yet`,
    );
  }
  if (!mailbox.passwordEncrypted) {
    throw new MailboxNotFetchableError('Mailbox has no password set');
  }
  return {
    host: mailbox.host,
    port: mailbox.port,
    security: mailbox.security,
    auth: { kind: 'password', user: mailbox.username, password: cipher.decrypt(mailbox.passwordEncrypted) },
    trustedCaPem: mailbox.trustedCaPem,
  };
}
