import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { SecretCipher, type AppConfig } from '@twe/config';
import {
  ImapConnectorError,
  MicrosoftOAuthTokenService,
  OAuthConfigurationError,
  OAuthProviderError,
  OAuthReauthorizationRequiredError,
  redactSecrets,
  verifyImapConnection,
  type ImapTimeouts,
} from '@twe/mail';
import { Mailbox } from '@twe/persistence';
import type { MailboxTestConnectionReply } from '@twe/queues';
import { APP_CONFIG } from '@twe/runtime';

import { imapSettingsFor, MailboxNotFetchableError, secretsOfSettings } from './mailbox-imap-settings';

/**
 * Staff wait for this answer in the gateway: tighter than a fetch's timeouts, so that a dead server is
 * reported within seconds and the whole check stays inside MAILBOX_TEST_TIMEOUT_MS.
 */
export function connectionTestTimeouts(budgetMs: number): ImapTimeouts {
  const third = Math.floor(budgetMs / 3);
  return { connectMs: third, greetingMs: third, socketMs: third, logoutMs: Math.min(2_000, third) };
}

/** "Test connection" (SPEC §2): connect, upgrade, log in and open INBOX with the mailbox's stored settings. */
@Injectable()
export class MailboxConnectionTestService {
  constructor(
    private readonly orm: MikroORM,
    private readonly cipher: SecretCipher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oauthTokens: MicrosoftOAuthTokenService,
  ) {}

  async test(mailboxId: number): Promise<MailboxTestConnectionReply> {
    const started = Date.now();
    const reply = (fields: Omit<MailboxTestConnectionReply, 'mailboxId' | 'durationMs'>) => ({
      ...fields,
      mailboxId,
      durationMs: Date.now() - started,
    });
    const mailbox = await this.orm.em
      .fork()
      .findOne(Mailbox, { id: mailboxId }, { populate: ['passwordEncrypted'] });
    if (mailbox === null) {
      return reply({
        ok: false,
        protocol: null,
        summary: `Mailbox ${mailboxId} does not exist`,
        failureKind: 'not-found',
        serverResponse: null,
      });
    }
    let secrets: string[] = [];
    try {
      const settings = await imapSettingsFor(mailbox, this.cipher, this.oauthTokens);
      secrets = secretsOfSettings(settings);
      const { messages } = await verifyImapConnection({
        ...settings,
        timeouts: connectionTestTimeouts(this.config.MAILBOX_TEST_TIMEOUT_MS),
      });
      return reply({
        ok: true,
        protocol: 'imap',
        summary: `Logged in as ${mailbox.username}; INBOX holds ${messages} message(s)`,
        failureKind: null,
        serverResponse: null,
      });
    } catch (error) {
      if (error instanceof ImapConnectorError) {
        return reply({
          ok: false,
          protocol: 'imap',
          summary: error.message,
          failureKind: error.kind,
          serverResponse: error.serverResponse,
        });
      }
      if (error instanceof MailboxNotFetchableError || error instanceof OAuthConfigurationError) {
        return reply({
          ok: false,
          protocol: null,
          summary: error.message,
          failureKind: 'configuration',
          serverResponse: null,
        });
      }
      if (error instanceof OAuthReauthorizationRequiredError || error instanceof OAuthProviderError) {
        // The identity provider's answer is what staff need to see here.
        return reply({
          ok: false,
          protocol: null,
          summary: error.message,
          failureKind:
            error instanceof OAuthReauthorizationRequiredError ? 'needs-reauthorization' : 'oauth-provider',
          serverResponse: null,
        });
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return reply({
        ok: false,
        protocol: null,
        summary: redactSecrets(message, secrets),
        failureKind: 'internal',
        serverResponse: null,
      });
    }
  }
}
