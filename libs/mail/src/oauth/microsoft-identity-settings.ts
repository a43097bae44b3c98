import { readFileSync } from 'node:fs';

import type { MicrosoftIdentitySettings } from './microsoft-client';

/** The part of the app configuration the token service reads (see libs/config `oauthEnvSchema`). */
export interface MicrosoftIdentityEnvironment {
  MICROSOFT_AUTHORITY_HOST: string;
  MICROSOFT_AUTHORITY_CA_FILE?: string;
  OAUTH_HTTP_TIMEOUT_MS: number;
}

/** Reads the CA file once, at start-up: a missing file stops the service with a clear error. */
export function microsoftIdentitySettings(env: MicrosoftIdentityEnvironment): MicrosoftIdentitySettings {
  let authorityCaPem: string | null = null;
  if (env.MICROSOFT_AUTHORITY_CA_FILE) {
    try {
      authorityCaPem = readFileSync(env.MICROSOFT_AUTHORITY_CA_FILE, 'utf8');
    } catch (error) {
      throw new Error(
        `MICROSOFT_AUTHORITY_CA_FILE cannot be read (${env.MICROSOFT_AUTHORITY_CA_FILE}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return {
    authorityHost: env.MICROSOFT_AUTHORITY_HOST,
    authorityCaPem,
    httpTimeoutMs: env.OAUTH_HTTP_TIMEOUT_MS,
  };
}
