import type { SecretCipher } from '@twe/config';
import type {
  ImapTimeouts,
  MailboxAccessToken,
  MailboxAuth,
  MailboxConnectionSettings,
  MailProtocol,
  Pop3Timeouts,
} from '@twe/mail';
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

/** Where OAuth mailboxes get their access token (MicrosoftOAuthTokenService). */
export interface MailboxAccessTokenSource {
  accessTokenFor(mailboxId: number): Promise<MailboxAccessToken>;
}

/**
 * The settings to connect with now: for the OAuth types a fresh access token is obtained here, just
 * before connecting (the token service refreshes and stores the rotated refresh token under its lock).
 */
export async function connectionSettingsWithCredentials(
  mailbox: Mailbox,
  cipher: SecretCipher,
  tokens: MailboxAccessTokenSource,
): Promise<MailboxConnectionSettings> {
  if (!KINDS[mailbox.kind]?.oauth) return connectionSettingsFor(mailbox, cipher);
  const { user, accessToken } = await tokens.accessTokenFor(mailbox.id);
  const settings = connectionSettingsFor(mailbox, cipher, { accessToken });
  // The account that signed in at the provider, which may differ in case or alias from the stored one.
  return { ...settings, auth: { kind: 'oauth2', user, accessToken } };
}

/** The given limits, in the shape of the mailbox's protocol (a fetch and a connection test differ). */
export function withTimeouts(
  settings: MailboxConnectionSettings,
  timeouts: { imap: ImapTimeouts; pop3: Pop3Timeouts },
): MailboxConnectionSettings {
  return settings.protocol === 'imap'
    ? { ...settings, timeouts: timeouts.imap }
    : { ...settings, timeouts: timeouts.pop3 };
}
