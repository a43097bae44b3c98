import { MailboxKind, type Mailbox } from '@twe/persistence';

import type { MailboxDto } from './mailbox.schemas';

/** What the API may say about a mailbox's stored secrets and related rows (never the secrets). */
export interface MailboxFacts {
  passwordSet: boolean;
  clientSecretSet: boolean;
  refreshTokenSet: boolean;
  tokenCacheSet: boolean;
  messagesCaptured: number;
  ticketTypeCount: number;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** Microsoft drops a refresh token unused for 90 days; staff are warned 15 days before. */
export const REFRESH_TOKEN_WARNING_DAYS = 75;
const DAY_MS = 24 * 60 * 60 * 1000;

function oauthStatus(mailbox: Mailbox, facts: MailboxFacts, now: Date): MailboxDto['oauth'] {
  if (mailbox.kind !== MailboxKind.ImapOAuth && mailbox.kind !== MailboxKind.Pop3OAuth) return null;
  const connected = facts.tokenCacheSet || facts.refreshTokenSet;
  const renewedAt = mailbox.oauthRefreshTokenRenewedAt;
  let warning: string | null = null;
  if (connected && !mailbox.needsReauthorization && renewedAt !== null) {
    const days = Math.floor((now.getTime() - renewedAt.getTime()) / DAY_MS);
    if (days >= REFRESH_TOKEN_WARNING_DAYS) {
      warning =
        `The refresh token has not been renewed for ${days} days; Microsoft drops it after 90 days without use. ` +
        'Check that fetches of this mailbox succeed, or reconnect it.';
    }
  }
  return {
    connected,
    needsReauthorization: mailbox.needsReauthorization,
    reason: mailbox.reauthorizationReason,
    refreshTokenRenewedAt: iso(renewedAt),
    refreshTokenExpiresAt: iso(mailbox.oauthRefreshTokenExpiresAt),
    warning,
  };
}

/**
 * The only way a mailbox leaves the API: fields are copied one by one, so a secret column (or any
 * column added later) is never sent by accident.
 */
export function toMailboxDto(mailbox: Mailbox, facts: MailboxFacts, now: Date = new Date()): MailboxDto {
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
    oauth: oauthStatus(mailbox, facts, now),
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
