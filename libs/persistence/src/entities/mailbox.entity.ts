import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';

export const MailboxKind = {
  Imap: 'IMAP',
  Pop3: 'POP3',
  ImapOAuth: 'IMAP - OAuth',
  Pop3OAuth: 'POP3 - OAuth',
} as const;
export type MailboxKind = (typeof MailboxKind)[keyof typeof MailboxKind];

/** `tls` = implicit TLS; `starttls` = plain connect, then upgrade (required); `none` = plain text. */
export const MailboxSecurity = { Tls: 'tls', StartTls: 'starttls', None: 'none' } as const;
export type MailboxSecurity = (typeof MailboxSecurity)[keyof typeof MailboxSecurity];

/**
 * How a fetch ended. `stopped-after-budget`: it ran out of FETCH_BUDGET_MS, stopped cleanly after the
 * batch in hand (kept everything it captured) and the next run continues; it counts as a success.
 */
export const FetchOutcomeKind = {
  Succeeded: 'succeeded',
  StoppedAfterBudget: 'stopped-after-budget',
  Failed: 'failed',
} as const;
export type FetchOutcomeKind = (typeof FetchOutcomeKind)[keyof typeof FetchOutcomeKind];

/** A message a fetch left on the server on purpose. */
export interface MailboxLeftMessage {
  remoteId: string;
  reason: string;
}

@Entity({ tableName: 'mailbox' })
export class Mailbox {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 200 })
  name: string;

  @Enum({ items: () => Object.values(MailboxKind), type: 'string' })
  kind: MailboxKind;

  @Property({ type: 'string', length: 255 })
  host: string;

  @Property({ type: 'integer' })
  port: number;

  @Enum({ items: () => Object.values(MailboxSecurity), type: 'string' })
  security: MailboxSecurity;

  @Property({ type: 'string', length: 320 })
  username: string;

  /** AES-GCM ciphertext (SecretCipher); never returned by the API. */
  @Property({ type: 'text', nullable: true, lazy: true })
  passwordEncrypted: string | null = null;

  /** PEM of a CA to trust for this mailbox only (self-hosted servers); certificate checks stay on. */
  @Property({ type: 'text', nullable: true })
  trustedCaPem: string | null = null;

  @Property({ type: 'string', length: 40, nullable: true })
  oauthProvider: string | null = null;

  @Property({ type: 'string', length: 100, nullable: true })
  oauthTenantId: string | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  oauthClientId: string | null = null;

  @Property({ type: 'text', nullable: true, lazy: true })
  oauthClientSecretEncrypted: string | null = null;

  @Property({ type: 'string', length: 500, nullable: true })
  oauthRedirectUrl: string | null = null;

  @Property({ type: 'text', nullable: true, lazy: true })
  oauthRefreshTokenEncrypted: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  oauthRefreshTokenExpiresAt: Date | null = null;

  /**
   * The whole msal token cache of this mailbox (account, access token, rotated refresh token), AES-GCM
   * encrypted: msal puts a rotated refresh token only in its cache (STACK.md), so the cache is what is kept.
   */
  @Property({ type: 'text', nullable: true, lazy: true })
  oauthTokenCacheEncrypted: string | null = null;

  /** When the identity provider last issued a new refresh token (connect, or a rotation on refresh). */
  @Property({ type: 'datetime', nullable: true })
  oauthRefreshTokenRenewedAt: Date | null = null;

  /** When the cached access token expires (not secret; tells whether a fetch will refresh). */
  @Property({ type: 'datetime', nullable: true })
  oauthAccessTokenExpiresAt: Date | null = null;

  /** The provider refused the stored grant (invalid_grant): no calls to it until staff reconnect. */
  @Property({ type: 'boolean', default: false })
  needsReauthorization: boolean = false;

  /** The provider's answer when it refused the grant (no secrets), shown to staff. */
  @Property({ type: 'text', nullable: true })
  reauthorizationReason: string | null = null;

  // Health of the Email Processing Task for this mailbox.
  @Property({ type: 'datetime', nullable: true })
  lastFetchStartedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastFetchFinishedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastSuccessAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'integer', default: 0 })
  lastFetchCapturedCount: number = 0;

  @Property({ type: 'integer', default: 0 })
  consecutiveFailures: number = 0;

  /** How the last fetch ended; null before the first one. */
  @Enum({ items: () => Object.values(FetchOutcomeKind), type: 'string', nullable: true })
  lastFetchOutcome: FetchOutcomeKind | null = null;

  /** What kind of failure the last failed fetch had (`authentication`, `tls`, `timeout`, ...); cleared by a success. */
  @Property({ type: 'string', length: 40, nullable: true })
  lastFailureKind: string | null = null;

  /** After a failure the schedule leaves the mailbox alone until then (decision 0020); "fetch now" does not wait. */
  @Property({ type: 'datetime', nullable: true })
  backoffUntil: Date | null = null;

  /** Messages the last fetch left on the server on purpose (e.g. an empty body), with the reason. */
  @Property({ type: 'json', nullable: true })
  leftInMailbox: MailboxLeftMessage[] | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(fields: {
    name: string;
    kind: MailboxKind;
    host: string;
    port: number;
    security: MailboxSecurity;
    username: string;
  }) {
    this.name = fields.name;
    this.kind = fields.kind;
    this.host = fields.host;
    this.port = fields.port;
    this.security = fields.security;
    this.username = fields.username;
  }
}
