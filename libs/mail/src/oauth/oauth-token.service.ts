import { AuthError, type AuthenticationResult, type ConfidentialClientApplication } from '@azure/msal-node';
import type { SecretCipher } from '@twe/config';

import { redactSecrets } from '../imap-error';
import {
  createMicrosoftClient,
  MICROSOFT_MAIL_RESOURCE_SCOPES,
  MICROSOFT_MAIL_SCOPES,
  type MicrosoftAppRegistration,
  type MicrosoftIdentitySettings,
} from './microsoft-client';
import {
  OAuthConfigurationError,
  OAuthProviderError,
  OAuthReauthorizationRequiredError,
} from './oauth-errors';
import type { LockedOAuthGrant, OAuthGrantRecord, OAuthTokenStore } from './oauth-token-store';

/**
 * Microsoft does not send a refresh token's lifetime to web apps: it stays valid 90 days after its last
 * use (inactivity), and each use rotates it. The expiry we show is that rule applied to the last renewal.
 */
export const MICROSOFT_REFRESH_TOKEN_LIFETIME_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What a fetch needs to log in with SASL XOAUTH2 / OAUTHBEARER. Hold it in memory only. */
export interface MailboxAccessToken {
  user: string;
  accessToken: string;
  expiresAt: Date;
  /** True when this call redeemed the refresh token (and saved the rotated one). */
  refreshed: boolean;
}

/** The result of a connect (code exchange); no token in it. */
export interface OAuthConnection {
  mailboxId: number;
  /** The account that signed in at the provider. */
  account: string | null;
  refreshTokenExpiresAt: Date | null;
}

type LockedOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The errors a provider gives when only a new sign-in helps (revoked, expired, password reset, consent withdrawn). */
const REAUTHORIZATION_CODES = new Set([
  'invalid_grant',
  'interaction_required',
  'consent_required',
  'login_required',
  'no_tokens_found',
]);

/** Part of the serialized msal cache we read: its documented JSON shape, shared by all MSAL libraries. */
interface SerializedRefreshToken {
  secret: string;
  client_id?: string;
  expires_on?: string;
}

/**
 * Microsoft OAuth2 tokens of mailboxes (SPEC §2), with @azure/msal-node.
 *
 * The whole msal token cache of a mailbox is what is stored (encrypted): `acquireTokenByRefreshToken`
 * returns no refresh token, msal only writes the rotated one into its cache (STACK.md). Every call runs
 * under the mailbox's token lock and reads the cache inside it, so two workers never redeem the same
 * refresh token: the second one waits, then finds the access token the first one saved and returns it
 * from the cache. The access token itself is reused until msal considers it about to expire (5 min).
 */
export class MicrosoftOAuthTokenService {
  constructor(
    private readonly store: OAuthTokenStore,
    private readonly cipher: SecretCipher,
    private readonly settings: MicrosoftIdentitySettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * An access token for a fetch. Throws OAuthReauthorizationRequiredError without calling the provider
   * when the mailbox is marked, and marks it (then throws) when the provider refuses the grant.
   */
  async accessTokenFor(mailboxId: number): Promise<MailboxAccessToken> {
    const outcome = await this.store.withMailboxLock(mailboxId, (grant) =>
      this.acquireLocked(mailboxId, grant),
    );
    // Thrown after the commit, so that the "needs re-authorization" mark is saved.
    if (!outcome.ok) throw new OAuthReauthorizationRequiredError(mailboxId, outcome.reason);
    return outcome.value;
  }

  /** The provider's sign-in URL for staff to connect the mailbox; `state` comes back with the code. */
  async authorizeUrl(mailboxId: number, state: string): Promise<string> {
    return this.store.withMailboxLock(mailboxId, async (grant) => {
      const record = await this.requireRecord(mailboxId, grant);
      const redirectUri = requireRedirectUrl(record);
      const client = createMicrosoftClient(this.settings, this.registrationOf(record));
      return client.getAuthCodeUrl({
        scopes: MICROSOFT_MAIL_SCOPES,
        redirectUri,
        state,
        // The mailbox's own account is suggested: connecting a second mailbox of the same directory
        // must not silently reuse the first mailbox's browser session.
        loginHint: record.username,
      });
    });
  }

  /** Redeems the authorization code from the redirect and stores a fresh cache; clears "needs re-authorization". */
  async connectWithCode(mailboxId: number, code: string): Promise<OAuthConnection> {
    return this.store.withMailboxLock(mailboxId, async (grant) => {
      const record = await this.requireRecord(mailboxId, grant);
      const registration = this.registrationOf(record);
      // A new, empty cache: a reconnect replaces whatever account and tokens were there.
      const client = createMicrosoftClient(this.settings, registration);
      let result: AuthenticationResult;
      try {
        result = await client.acquireTokenByCode({
          code,
          scopes: MICROSOFT_MAIL_SCOPES,
          redirectUri: requireRedirectUrl(record),
        });
      } catch (error) {
        throw this.providerError(error, 'exchanging the authorization code', [
          code,
          registration.clientSecret,
        ]);
      }
      const saved = await this.saveCache(grant, client, result, null, { connected: true });
      return {
        mailboxId,
        account: result.account?.username ?? null,
        refreshTokenExpiresAt: saved.refreshTokenExpiresAt,
      };
    });
  }

  private async acquireLocked(
    mailboxId: number,
    grant: LockedOAuthGrant,
  ): Promise<LockedOutcome<MailboxAccessToken>> {
    const record = await this.requireRecord(mailboxId, grant);
    // The re-check that keeps a refused grant from being tried again until staff reconnect.
    if (record.needsReauthorization) {
      return {
        ok: false,
        reason: record.reauthorizationReason ?? 'the provider refused the stored authorization',
      };
    }
    const registration = this.registrationOf(record);
    const client = createMicrosoftClient(this.settings, registration);
    const previousRefreshToken = this.decryptOrNull(record.refreshTokenEncrypted);
    const secrets = [registration.clientSecret, previousRefreshToken];
    let result: AuthenticationResult | null;
    try {
      if (record.tokenCacheEncrypted !== null) {
        client.getTokenCache().deserialize(this.cipher.decrypt(record.tokenCacheEncrypted));
      }
      const [account] = await client.getTokenCache().getAllAccounts();
      if (account !== undefined) {
        // Cached access token if it is valid for more than 5 minutes; otherwise the cached refresh
        // token is redeemed and msal puts the rotated one into the cache.
        result = await client.acquireTokenSilent({ account, scopes: MICROSOFT_MAIL_RESOURCE_SCOPES });
      } else if (previousRefreshToken !== null) {
        // A refresh token set by hand (API) and no cache yet: forceCache makes msal keep the rotated one.
        result = await client.acquireTokenByRefreshToken({
          refreshToken: previousRefreshToken,
          scopes: MICROSOFT_MAIL_SCOPES,
          forceCache: true,
        });
      } else {
        throw new OAuthConfigurationError(
          `Mailbox ${mailboxId} is not connected to Microsoft yet: connect it (GET /api/mailboxes/${mailboxId}/oauth/authorize-url)`,
        );
      }
    } catch (error) {
      if (error instanceof OAuthConfigurationError) throw error;
      const code = error instanceof AuthError ? error.errorCode : null;
      if (code !== null && REAUTHORIZATION_CODES.has(code)) {
        const reason = redactSecrets(
          `Microsoft refused the stored authorization (${code}): ${firstLine(error as AuthError)}. Reconnect the mailbox.`,
          secrets,
        );
        await grant.markNeedsReauthorization(reason);
        return { ok: false, reason };
      }
      throw this.providerError(error, 'refreshing the access token', secrets);
    }
    if (result === null || !result.accessToken) {
      throw new OAuthProviderError('Microsoft returned no access token', null);
    }
    if (!result.fromCache) {
      await this.saveCache(grant, client, result, record, { connected: false });
    }
    return {
      ok: true,
      value: {
        user: record.username,
        accessToken: result.accessToken,
        expiresAt: result.expiresOn ?? this.now(),
        refreshed: !result.fromCache,
      },
    };
  }

  /** Saves the cache with the rotated refresh token, in the transaction that holds the lock. */
  private async saveCache(
    grant: LockedOAuthGrant,
    client: ConfidentialClientApplication,
    result: AuthenticationResult,
    previous: OAuthGrantRecord | null,
    options: { connected: boolean },
  ): Promise<{ refreshTokenExpiresAt: Date | null }> {
    const serialized = client.getTokenCache().serialize();
    const refreshToken = currentRefreshToken(serialized);
    const previousToken = previous === null ? null : this.decryptOrNull(previous.refreshTokenEncrypted);
    const renewed = refreshToken !== null && refreshToken.secret !== previousToken;
    const renewedAt = renewed ? this.now() : (previous?.refreshTokenRenewedAt ?? null);
    const expiresOnSeconds = Number(refreshToken?.expires_on);
    const refreshTokenExpiresAt =
      refreshToken?.expires_on !== undefined && Number.isFinite(expiresOnSeconds)
        ? new Date(expiresOnSeconds * 1000)
        : renewedAt === null
          ? null
          : new Date(renewedAt.getTime() + MICROSOFT_REFRESH_TOKEN_LIFETIME_DAYS * DAY_MS);
    await grant.save(
      {
        tokenCacheEncrypted: this.cipher.encrypt(serialized),
        refreshTokenEncrypted: refreshToken === null ? null : this.cipher.encrypt(refreshToken.secret),
        refreshTokenRenewedAt: renewedAt,
        refreshTokenExpiresAt,
        accessTokenExpiresAt: result.expiresOn ?? null,
      },
      options,
    );
    return { refreshTokenExpiresAt };
  }

  private async requireRecord(mailboxId: number, grant: LockedOAuthGrant): Promise<OAuthGrantRecord> {
    const record = await grant.read();
    if (record === null) throw new OAuthConfigurationError(`Mailbox ${mailboxId} does not exist`);
    return record;
  }

  private registrationOf(record: OAuthGrantRecord): MicrosoftAppRegistration {
    if (record.oauthProvider !== null && record.oauthProvider !== 'microsoft') {
      throw new OAuthConfigurationError(`OAuth provider "${record.oauthProvider}" is not supported`);
    }
    const missing = [
      record.tenantId ? null : 'tenant id',
      record.clientId ? null : 'client id',
      record.clientSecretEncrypted ? null : 'client secret',
    ].filter((field) => field !== null);
    if (missing.length > 0) {
      throw new OAuthConfigurationError(`Mailbox ${record.mailboxId} has no OAuth ${missing.join(', ')}`);
    }
    return {
      tenantId: record.tenantId as string,
      clientId: record.clientId as string,
      clientSecret: this.cipher.decrypt(record.clientSecretEncrypted as string),
    };
  }

  private decryptOrNull(stored: string | null): string | null {
    return stored === null ? null : this.cipher.decrypt(stored);
  }

  private providerError(error: unknown, doing: string, secrets: Array<string | null>): OAuthProviderError {
    // msal reports a failed request (DNS, refused connection, timeout) as an AuthError too, with the
    // code `network_error`: then Microsoft did not answer at all, and staff should look at the network.
    if (error instanceof AuthError && error.errorCode === 'network_error') {
      return new OAuthProviderError(
        redactSecrets(`Microsoft could not be reached while ${doing}: ${firstLine(error)}`, secrets),
        error.errorCode,
      );
    }
    if (error instanceof AuthError) {
      return new OAuthProviderError(
        redactSecrets(
          `Microsoft answered an error while ${doing} (${error.errorCode}): ${firstLine(error)}`,
          secrets,
        ),
        error.errorCode,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new OAuthProviderError(redactSecrets(`Error while ${doing}: ${message}`, secrets), null);
  }
}

function requireRedirectUrl(record: OAuthGrantRecord): string {
  if (!record.redirectUrl) {
    throw new OAuthConfigurationError(
      `Mailbox ${record.mailboxId} has no redirect URL (set redirectUrl to this gateway's /api/oauth/microsoft/callback)`,
    );
  }
  return record.redirectUrl;
}

/** The provider's own sentence, without the trace ids and timestamps Microsoft appends on new lines. */
function firstLine(error: AuthError): string {
  const text = error.errorMessage || error.message || error.errorCode;
  return text.split(/\r?\n/)[0].trim();
}

/** The refresh token msal holds after a call (there is one account per mailbox cache). */
function currentRefreshToken(serializedCache: string): SerializedRefreshToken | null {
  const cache = JSON.parse(serializedCache) as { RefreshToken?: Record<string, SerializedRefreshToken> };
  const tokens = Object.values(cache.RefreshToken ?? {});
  return tokens.find((token) => typeof token.secret === 'string' && token.secret.length > 0) ?? null;
}
