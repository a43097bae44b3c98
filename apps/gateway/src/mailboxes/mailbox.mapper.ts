import type { Mailbox } from '@twe/persistence';

import type { MailboxDto } from './mailbox.schemas';

/** What the API may say about a mailbox's stored secrets and related rows (never the secrets). */
export interface MailboxFacts {
  passwordSet: boolean;
  clientSecretSet: boolean;
  refreshTokenSet: boolean;
  messagesCaptured: number;
  ticketTypeCount: number;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/**
 * The only way a mailbox leaves the API: fields are copied one by one, so a secret column (or any
 * column added later) is never sent by accident.
 */
export function toMailboxDto(mailbox: Mailbox, facts: MailboxFacts): MailboxDto {
  return {
    id: mailbox.id,
    name: mailbox.name,
    type: mailbox.kind,
    host: mailbox.host,
    port: mailbox.port,
    security: mailbox.security,
    useSsl: mailbox.security !== 'none',
    username: mailbox.username,
    passwordSet: facts.passwordSet,
    trustedCaPem: mailbox.trustedCaPem,
    oauthProvider: mailbox.oauthProvider,
    tenantId: mailbox.oauthTenantId,
    clientId: mailbox.oauthClientId,
    redirectUrl: mailbox.oauthRedirectUrl,
    clientSecretSet: facts.clientSecretSet,
    refreshTokenSet: facts.refreshTokenSet,
    refreshTokenExpiresAt: iso(mailbox.oauthRefreshTokenExpiresAt),
    ticketTypeCount: facts.ticketTypeCount,
    health: {
      lastFetchStartedAt: iso(mailbox.lastFetchStartedAt),
      lastFetchFinishedAt: iso(mailbox.lastFetchFinishedAt),
      lastSuccessAt: iso(mailbox.lastSuccessAt),
      lastError: mailbox.lastError,
      lastFetchCapturedCount: mailbox.lastFetchCapturedCount,
      consecutiveFailures: mailbox.consecutiveFailures,
      messagesCaptured: facts.messagesCaptured,
      lastFetchOutcome: mailbox.lastFetchOutcome,
      lastFailureKind: mailbox.lastFailureKind,
      backoffUntil: iso(mailbox.backoffUntil),
      leftInMailbox: (mailbox.leftInMailbox ?? []).map((left) => ({
        remoteId: left.remoteId,
        reason: left.reason,
      })),
    },
    createdAt: mailbox.createdAt.toISOString(),
    updatedAt: mailbox.updatedAt.toISOString(),
  };
}
