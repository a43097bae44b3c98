import type { EntityManager } from '@mikro-orm/postgresql';

import { Mailbox } from '../entities/mailbox.entity';

/**
 * First key of the two-key transaction advisory lock on a mailbox's OAuth grant ('TWEO'); distinct
 * from the fetch lock's namespace, so a token refresh and a fetch of the same mailbox do not block each other.
 */
const OAUTH_LOCK_NAMESPACE = 0x5457454f;

/** Mirrors `OAuthGrantRecord` of @twe/mail (structurally; persistence does not depend on the mail lib). */
export interface MailboxOAuthGrantRow {
  mailboxId: number;
  username: string;
  oauthProvider: string | null;
  tenantId: string | null;
  clientId: string | null;
  clientSecretEncrypted: string | null;
  redirectUrl: string | null;
  tokenCacheEncrypted: string | null;
  refreshTokenEncrypted: string | null;
  refreshTokenRenewedAt: Date | null;
  needsReauthorization: boolean;
  reauthorizationReason: string | null;
}

export interface MailboxOAuthGrantUpdate {
  tokenCacheEncrypted: string;
  refreshTokenEncrypted: string | null;
  refreshTokenRenewedAt: Date | null;
  refreshTokenExpiresAt: Date | null;
  accessTokenExpiresAt: Date | null;
}

/** Longest provider message kept on the row. */
const MAX_REASON_LENGTH = 1_000;

class LockedMailboxOAuthGrant {
  constructor(
    private readonly tx: EntityManager,
    private readonly mailboxId: number,
  ) {}

  async read(): Promise<MailboxOAuthGrantRow | null> {
    const mailbox = await this.tx.findOne(
      Mailbox,
      { id: this.mailboxId },
      {
        populate: ['oauthClientSecretEncrypted', 'oauthRefreshTokenEncrypted', 'oauthTokenCacheEncrypted'],
        // Read what the previous holder of the lock committed, never an identity-map copy.
        refresh: true,
      },
    );
    if (mailbox === null) return null;
    return {
      mailboxId: mailbox.id,
      username: mailbox.username,
      oauthProvider: mailbox.oauthProvider,
      tenantId: mailbox.oauthTenantId,
      clientId: mailbox.oauthClientId,
      clientSecretEncrypted: mailbox.oauthClientSecretEncrypted,
      redirectUrl: mailbox.oauthRedirectUrl,
      tokenCacheEncrypted: mailbox.oauthTokenCacheEncrypted,
      refreshTokenEncrypted: mailbox.oauthRefreshTokenEncrypted,
      refreshTokenRenewedAt: mailbox.oauthRefreshTokenRenewedAt,
      needsReauthorization: mailbox.needsReauthorization,
      reauthorizationReason: mailbox.reauthorizationReason,
    };
  }

  async save(update: MailboxOAuthGrantUpdate, options: { connected: boolean }): Promise<void> {
    await this.tx.nativeUpdate(
      Mailbox,
      { id: this.mailboxId },
      {
        oauthTokenCacheEncrypted: update.tokenCacheEncrypted,
        oauthRefreshTokenEncrypted: update.refreshTokenEncrypted,
        oauthRefreshTokenRenewedAt: update.refreshTokenRenewedAt,
        oauthRefreshTokenExpiresAt: update.refreshTokenExpiresAt,
        oauthAccessTokenExpiresAt: update.accessTokenExpiresAt,
        ...(options.connected ? { needsReauthorization: false, reauthorizationReason: null } : {}),
      },
    );
  }

  async markNeedsReauthorization(reason: string): Promise<void> {
    await this.tx.nativeUpdate(
      Mailbox,
      { id: this.mailboxId },
      { needsReauthorization: true, reauthorizationReason: reason.slice(0, MAX_REASON_LENGTH) },
    );
  }
}

/**
 * The OAuth token store on PostgreSQL: `withMailboxLock` opens a transaction and takes a
 * transaction-scoped advisory lock on the mailbox, released by commit or rollback (or when the
 * session dies), so a crashed worker cannot leave a mailbox locked.
 */
export class MailboxOAuthGrantStore {
  constructor(private readonly em: EntityManager) {}

  withMailboxLock<T>(mailboxId: number, work: (grant: LockedMailboxOAuthGrant) => Promise<T>): Promise<T> {
    return this.em.fork().transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(?, ?)', [OAUTH_LOCK_NAMESPACE, mailboxId]);
      return work(new LockedMailboxOAuthGrant(tx, mailboxId));
    });
  }
}
