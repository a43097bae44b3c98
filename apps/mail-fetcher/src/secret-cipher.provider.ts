import { SecretCipher } from '@twe/config';
import { appConfig } from '@twe/runtime';

/** Built at start-up: refuses to start without TWE_SECRET_KEY outside development and test. */
export const secretCipherProvider = {
  provide: SecretCipher,
  useFactory: () => SecretCipher.fromEnvironment(appConfig()),
};
