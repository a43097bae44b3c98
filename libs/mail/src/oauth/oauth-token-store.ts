/**
 * What the token service keeps per mailbox. Secret fields are ciphertext (SecretCipher): the store
 * never sees a token in clear.
 */
export interface OAuthGrantRecord {
  mailboxId: number;
  username: string;
  oauthProvider: string | null;
  tenantId: string | null;
  clientId: string | null;
  clientSecretEncrypted: string | null;
  redirectUrl: string | null;
  /** The serialized msal token cache (account, access token, current refresh token). */
  tokenCacheEncrypted: string | null;
  /** The current refresh token alone: set by hand (API) or copied out of the cache after each rotation. */
  refreshTokenEncrypted: string | null;
  refreshTokenRenewedAt: Date | null;
  needsReauthorization: boolean;
  reauthorizationReason: string | null;
}

/** Written in one statement, in the transaction that holds the mailbox's token lock. */
export interface OAuthGrantUpdate {
  tokenCacheEncrypted: string;
  refreshTokenEncrypted: string | null;
  refreshTokenRenewedAt: Date | null;
  refreshTokenExpiresAt: Date | null;
  accessTokenExpiresAt: Date | null;
}

/** The mailbox row as seen under its token lock. */
export interface LockedOAuthGrant {
  read(): Promise<OAuthGrantRecord | null>;
  /** Saves tokens; `connected` also clears "needs re-authorization" (a new grant from staff). */
  save(update: OAuthGrantUpdate, options: { connected: boolean }): Promise<void>;
  markNeedsReauthorization(reason: string): Promise<void>;
}

/**
 * Persistence of OAuth grants, one lock per mailbox. `withMailboxLock` runs `work` in a database
 * transaction that holds the mailbox's token lock until commit, so two processes never refresh the
 * same mailbox at once and the second one reads what the first one saved.
 */
export interface OAuthTokenStore {
  withMailboxLock<T>(mailboxId: number, work: (grant: LockedOAuthGrant) => Promise<T>): Promise<T>;
}
