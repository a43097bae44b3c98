import { MikroORM } from '@mikro-orm/postgresql';
import { SecretCipher } from '@twe/config';
import { MicrosoftOAuthTokenService, microsoftIdentitySettings } from '@twe/mail';
import { MailboxOAuthGrantStore } from '@twe/persistence';
import { appConfig } from '@twe/runtime';

/** Access tokens for `IMAP - OAuth` / `POP3 - OAuth` mailboxes, refreshed under the mailbox's token lock. */
export const oauthTokenServiceProvider = {
  provide: MicrosoftOAuthTokenService,
  inject: [MikroORM, SecretCipher],
  useFactory: (orm: MikroORM, cipher: SecretCipher) =>
    new MicrosoftOAuthTokenService(
      new MailboxOAuthGrantStore(orm.em),
      cipher,
      microsoftIdentitySettings(appConfig()),
    ),
};
