import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { SecretCipher, type AppConfig } from '@twe/config';
import {
  isMailConnectorError,
  redactSecrets,
  secretsOfAuth,
  verifyMailboxConnection,
  type ImapTimeouts,
  type Pop3Timeouts,
  MicrosoftOAuthTokenService,
  OAuthConfigurationError,
  OAuthProviderError,
  OAuthReauthorizationRequiredError,
} from '@twe/mail';
import { Mailbox } from '@twe/persistence';
import type { MailboxTestConnectionReply } from '@twe/queues';
import { APP_CONFIG } from '@twe/runtime';

import {
  connectionSettingsWithCredentials,
  MailboxNotFetchableError,
  withTimeouts,
} from './mailbox-connection-settings';

/**
 * Staff wait for this answer in the gateway: tighter than a fetch's timeouts, so that a dead server is
 * reported within seconds and the whole check stays inside MAILBOX_TEST_TIMEOUT_MS.
 */
export function connectionTestTimeouts(budgetMs: number): ImapTimeouts {
  const third = Math.floor(budgetMs / 3);
  return {
    connectMs: third,
    greetingMs: third,
    loginMs: third,
    socketMs: third,
    commandMs: third,
    messageMs: third,
    logoutMs: Math.min(2_000, third),
  };
}

/** The POP3 check's steps (connect, greeting, login, STAT) share the budget the same way. */
export function pop3ConnectionTestTimeouts(budgetMs: number): Pop3Timeouts {
  const quarter = Math.floor(budgetMs / 4);
  return { connectMs: quarter, greetingMs: quarter, authMs: quarter, commandMs: quarter, messageMs: quarter };
}

/**
 * "Test connection" (SPEC §2): connect, upgrade, log in, then STATUS INBOX (IMAP) or STAT (POP3), with
 * the mailbox's stored settings.
 */
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
    let protocol: MailboxTestConnectionReply['protocol'] = null;
    try {
      const settings = await connectionSettingsWithCredentials(mailbox, this.cipher, this.oauthTokens);
      secrets = secretsOfAuth(settings.auth);
      protocol = settings.protocol;
      const check = await verifyMailboxConnection(
        withTimeouts(settings, {
          imap: connectionTestTimeouts(this.config.MAILBOX_TEST_TIMEOUT_MS),
          pop3: pop3ConnectionTestTimeouts(this.config.MAILBOX_TEST_TIMEOUT_MS),
        }),
      );
      const holds =
        check.protocol === 'imap'
          ? `INBOX holds ${check.messages} message(s)`
          : `the maildrop holds ${check.messages} message(s), ${check.bytes ?? 0} bytes`;
      return reply({
        ok: true,
        protocol: check.protocol,
        summary: `Logged in as ${mailbox.username}; ${holds}`,
        failureKind: null,
        serverResponse: null,
      });
    } catch (error) {
      if (isMailConnectorError(error)) {
        return reply({
          ok: false,
          protocol,
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
