import type { SecretCipher } from '@twe/config';
import type { ImapConnectionSettings, MailboxAccessToken } from '@twe/mail';
import { MailboxKind, type Mailbox } from '@twe/persistence';

/** A mailbox this version cannot fetch yet, or one whose settings are incomplete. Permanent until staff act. */
export class MailboxNotFetchableError extends Error {
  override name = 'MailboxNotFetchableError';
}

/** Where OAuth mailboxes get their access token (MicrosoftOAuthTokenService). */
export interface MailboxAccessTokenSource {
  accessTokenFor(mailboxId: number): Promise<MailboxAccessToken>;
}

/**
 * Connection settings of a mailbox row, with its password decrypted or a fresh access token (kept in
 * memory for the fetch only). For `IMAP - OAuth` the token is obtained here, just before connecting.
 */
export async function imapSettingsFor(
  mailbox: Mailbox,
  cipher: SecretCipher,
  tokens: MailboxAccessTokenSource,
): Promise<ImapConnectionSettings> {
  const base = {
    host: mailbox.host,
    port: mailbox.port,
    security: mailbox.security,
    trustedCaPem: mailbox.trustedCaPem,
  };
  if (mailbox.kind === MailboxKind.ImapOAuth) {
    const { user, accessToken } = await tokens.accessTokenFor(mailbox.id);
    return { ...base, auth: { kind: 'oauth2', user, accessToken } };
  }
  if (mailbox.kind !== MailboxKind.Imap) {
    // POP3 kinds arrive with their connector; the schedule runs anyway so health shows why.
    throw new MailboxNotFetchableError(
      `Mailbox type "${mailbox.kind}" cannot be fetched by this version yet`,
    );
  }
  if (!mailbox.passwordEncrypted) {
    throw new MailboxNotFetchableError('Mailbox has no password set');
  }
  return {
    ...base,
    auth: { kind: 'password', user: mailbox.username, password: cipher.decrypt(mailbox.passwordEncrypted) },
  };
}

/** What must never appear in an error or log line of this fetch. */
export function secretsOfSettings(settings: ImapConnectionSettings): string[] {
  return settings.auth.kind === 'password' ? [settings.auth.password] : [settings.auth.accessToken];
}
