import { MikroORM } from '@mikro-orm/postgresql';
import { Module } from '@nestjs/common';
import { SecretCipher } from '@twe/config';
import { MicrosoftOAuthTokenService, microsoftIdentitySettings } from '@twe/mail';
import { MailboxOAuthGrantStore } from '@twe/persistence';
import { appConfig } from '@twe/runtime';

import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { SecretsModule } from '../secrets/secrets.module';
import { OAuthConnectService } from './oauth-connect.service';
import { OAuthStateSigner } from './oauth-state';
import { OAuthController } from './oauth.controller';

/** The Microsoft connect flow: authorize URL and redirect endpoint. */
@Module({
  imports: [SecretsModule],
  controllers: [OAuthController],
  providers: [
    MailboxRepository,
    OAuthConnectService,
    {
      provide: OAuthStateSigner,
      inject: [SecretCipher],
      useFactory: (cipher: SecretCipher) => new OAuthStateSigner(cipher.deriveKey('oauth-state')),
    },
    {
      provide: MicrosoftOAuthTokenService,
      inject: [MikroORM, SecretCipher],
      useFactory: (orm: MikroORM, cipher: SecretCipher) =>
        new MicrosoftOAuthTokenService(
          new MailboxOAuthGrantStore(orm.em),
          cipher,
          microsoftIdentitySettings(appConfig()),
        ),
    },
  ],
})
export class OAuthModule {}
