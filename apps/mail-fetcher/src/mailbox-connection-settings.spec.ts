import { SecretCipher } from '@twe/config';
import { Mailbox, MailboxKind, MailboxSecurity } from '@twe/persistence';
import { describe, expect, it } from 'vitest';

import { connectionSettingsFor, MailboxNotFetchableError } from './mailbox-connection-settings';

const cipher = SecretCipher.fromEnvironment({ NODE_ENV: 'test' });

function mailbox(kind: MailboxKind, password: string | null): Mailbox {
  const row = new Mailbox({
    name: 'Support',
    kind,
    host: 'mail.example.com',
    port: 995,
    security: MailboxSecurity.Tls,
    username: 'support@example.com',
  });
  row.passwordEncrypted = password === null ? null : cipher.encrypt(password);
  row.trustedCaPem = null;
  return row;
}

describe('connectionSettingsFor', () => {
  it.each([
    ['IMAP with a password', MailboxKind.Imap, 'imap', { kind: 'password', password: 'pw-1' }],
    ['POP3 with a password', MailboxKind.Pop3, 'pop3', { kind: 'password', password: 'pw-1' }],
    ['IMAP - OAuth with a token', MailboxKind.ImapOAuth, 'imap', { kind: 'oauth2', accessToken: 'at-1' }],
    ['POP3 - OAuth with a token', MailboxKind.Pop3OAuth, 'pop3', { kind: 'oauth2', accessToken: 'at-1' }],
  ] as const)('picks the connector and the login for %s', (_situation, kind, protocol, auth) => {
    const settings = connectionSettingsFor(mailbox(kind, auth.kind === 'password' ? 'pw-1' : null), cipher, {
      accessToken: auth.kind === 'oauth2' ? 'at-1' : undefined,
    });
    expect(settings).toEqual({
      protocol,
      host: 'mail.example.com',
      port: 995,
      security: 'tls',
      auth: { ...auth, user: 'support@example.com' },
      trustedCaPem: null,
    });
  });

  it.each([
    [
      'an OAuth mailbox without an access token',
      MailboxKind.Pop3OAuth,
      null,
      'Mailbox is not connected: type "POP3 - OAuth" needs an OAuth access token; connect (authorize) the mailbox first',
    ],
    [
      'an IMAP - OAuth mailbox without an access token',
      MailboxKind.ImapOAuth,
      null,
      'Mailbox is not connected: type "IMAP - OAuth" needs an OAuth access token; connect (authorize) the mailbox first',
    ],
    ['a POP3 mailbox without a password', MailboxKind.Pop3, null, 'Mailbox has no password set'],
  ] as const)('refuses %s', (_situation, kind, password, message) => {
    const attempt = () => connectionSettingsFor(mailbox(kind, password), cipher);
    expect(attempt).toThrow(MailboxNotFetchableError);
    expect(attempt).toThrow(message);
  });
});
