import { Module } from '@nestjs/common';
import { SecretCipher } from '@twe/config';
import { appConfig } from '@twe/runtime';

/**
 * The cipher is built while Nest creates the module graph, so a production start without
 * TWE_SECRET_KEY fails at once (`SecretCipher.fromEnvironment` throws) instead of on the first save.
 */
@Module({
  providers: [{ provide: SecretCipher, useFactory: () => SecretCipher.fromEnvironment(appConfig()) }],
  exports: [SecretCipher],
})
export class SecretsModule {}
