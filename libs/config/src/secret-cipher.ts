import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

import { ConfigError } from './load-config';

const VERSION = 'v1';
const DEVELOPMENT_KEY_SEED = 'twe-development-key-not-for-production';

/**
 * AES-256-GCM for mailbox secrets at rest. Stored form: `v1:<iv>:<tag>:<ciphertext>` (base64 parts),
 * so a later key rotation can tell old rows from new ones.
 */
export class SecretCipher {
  private constructor(private readonly key: Buffer) {}

  static fromEnvironment(env: { NODE_ENV: string; TWE_SECRET_KEY?: string }): SecretCipher {
    if (env.TWE_SECRET_KEY) {
      const key = Buffer.from(env.TWE_SECRET_KEY, 'base64');
      if (key.length !== 32) {
        throw new ConfigError(
          'TWE_SECRET_KEY must be 32 bytes, base64 encoded (e.g. `openssl rand -base64 32`)',
        );
      }
      return new SecretCipher(key);
    }
    if (env.NODE_ENV === 'development' || env.NODE_ENV === 'test') {
      return new SecretCipher(createHash('sha256').update(DEVELOPMENT_KEY_SEED).digest());
    }
    throw new ConfigError(
      'TWE_SECRET_KEY is required outside development and test (32 bytes, base64: `openssl rand -base64 32`)',
    );
  }

  /**
   * A key for another purpose (e.g. signing OAuth `state`), derived with HKDF so that the encryption
   * key itself is never used twice and TWE_SECRET_KEY stays the only secret to manage.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `twe:${purpose}`, 32));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join(':');
  }

  decrypt(stored: string): string {
    const [version, iv, tag, body] = stored.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) {
      throw new Error('Stored secret has an unknown format');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        'Stored secret cannot be decrypted: TWE_SECRET_KEY differs from the key it was saved with',
      );
    }
  }
}
