import { randomBytes } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import { SecretCipher } from '@twe/config';
import {
  Mailbox,
  MailboxKind,
  MailboxOAuthGrantStore,
  MailboxSecurity,
  ormConfig,
  runMigrations,
} from '@twe/persistence';
import {
  createTestDatabase,
  freePort,
  startDovecot,
  startFakeIdentityProvider,
  type DovecotServer,
  type FakeIdentityProvider,
  type TestDatabase,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyImapConnection } from '../imap-connection';
import {
  OAuthConfigurationError,
  OAuthProviderError,
  OAuthReauthorizationRequiredError,
} from './oauth-errors';
import { MicrosoftOAuthTokenService } from './oauth-token.service';

// Real PostgreSQL, a real Dovecot validating the access tokens, and the local Microsoft-shaped identity
// provider (the real one cannot be reached from tests).
const CLIENT_ID = 'client-7f3a';
const CLIENT_SECRET = `cs-${randomBytes(8).toString('hex')}`;
const TENANT = 'contoso-tenant';
const REDIRECT = 'https://helpdesk.example.test/api/oauth/microsoft/callback';

let idp: FakeIdentityProvider;
let dovecot: DovecotServer;
let database: TestDatabase;
let orm: MikroORM;
let otherOrm: MikroORM;
const cipher = SecretCipher.fromEnvironment({ NODE_ENV: 'test' });
let service: MicrosoftOAuthTokenService;
let userCount = 0;

function newService(onOrm: MikroORM): MicrosoftOAuthTokenService {
  return new MicrosoftOAuthTokenService(new MailboxOAuthGrantStore(onOrm.em), cipher, {
    authorityHost: idp.authorityHost,
    authorityCaPem: idp.caCertPem,
    httpTimeoutMs: 5_000,
  });
}

beforeAll(async () => {
  idp = await startFakeIdentityProvider({ clients: { [CLIENT_ID]: CLIENT_SECRET } });
  dovecot = await startDovecot({ oauth2IntrospectionUrl: idp.introspectionUrl });
  database = await createTestDatabase();
  orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 3 }));
  await runMigrations(orm);
  otherOrm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 3 }));
  service = newService(orm);
});

afterAll(async () => {
  await orm?.close();
  await otherOrm?.close();
  await database?.drop();
  await dovecot?.stop();
  await idp?.stop();
});

async function createOAuthMailbox(overrides: Partial<Mailbox> = {}): Promise<{ id: number; user: string }> {
  const user = `oauth${++userCount}@example.test`;
  await dovecot.addUser(user, `unused-${randomBytes(4).toString('hex')}`);
  const mailbox = new Mailbox({
    name: `OAuth ${user}`,
    kind: MailboxKind.ImapOAuth,
    host: dovecot.host,
    port: dovecot.imapsPort,
    security: MailboxSecurity.Tls,
    username: user,
  });
  mailbox.trustedCaPem = dovecot.caCertPem;
  mailbox.oauthProvider = 'microsoft';
  mailbox.oauthTenantId = TENANT;
  mailbox.oauthClientId = CLIENT_ID;
  mailbox.oauthClientSecretEncrypted = cipher.encrypt(CLIENT_SECRET);
  mailbox.oauthRedirectUrl = REDIRECT;
  Object.assign(mailbox, overrides);
  await orm.em.fork().persistAndFlush(mailbox);
  return { id: mailbox.id, user };
}

async function storedRow(mailboxId: number) {
  const rows = await orm.em.getConnection().execute<
    Array<{
      oauth_refresh_token_encrypted: string | null;
      oauth_token_cache_encrypted: string | null;
      oauth_refresh_token_renewed_at: Date | null;
      oauth_refresh_token_expires_at: Date | null;
      needs_reauthorization: boolean;
      reauthorization_reason: string | null;
    }>
  >('select * from mailbox where id = ?', [mailboxId]);
  return rows[0];
}

async function storedRefreshToken(mailboxId: number): Promise<string | null> {
  const row = await storedRow(mailboxId);
  return row.oauth_refresh_token_encrypted === null
    ? null
    : cipher.decrypt(row.oauth_refresh_token_encrypted);
}

async function loginWorks(mailboxId: number, user: string, accessToken: string): Promise<number> {
  const { messages } = await verifyImapConnection({
    host: dovecot.host,
    port: dovecot.imapsPort,
    security: 'tls',
    auth: { kind: 'oauth2', user, accessToken },
    trustedCaPem: dovecot.caCertPem,
  });
  void mailboxId;
  return messages;
}

describe('MicrosoftOAuthTokenService', () => {
  async function connectMailbox(mailboxId: number): Promise<void> {
    const url = await service.authorizeUrl(mailboxId, `state-${mailboxId}`);
    const redirect = await idp.followAuthorizeUrl(url);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT);
    expect(redirect.searchParams.get('state')).toBe(`state-${mailboxId}`);
    await service.connectWithCode(mailboxId, redirect.searchParams.get('code') ?? '');
  }

  it('builds an authorize URL with the tenant, client id, redirect URL, the mail scopes and the state', async () => {
    const { id, user } = await createOAuthMailbox();
    const url = new URL(await service.authorizeUrl(id, 'signed-state'));
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.authorityHost}/${TENANT}/oauth2/v2.0/authorize`);
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('state')).toBe('signed-state');
    expect(url.searchParams.get('login_hint')).toBe(user);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining([
        'offline_access',
        'https://outlook.office.com/IMAP.AccessAsUser.All',
        'https://outlook.office.com/POP.AccessAsUser.All',
      ]),
    );
    expect(url.toString()).not.toContain(CLIENT_SECRET);
  });

  it('five fetches in a row each rotate the refresh token, and the stored one is always the newest', async () => {
    // Access tokens that live 2 minutes are "about to expire" for msal (5 minute margin): every call refreshes.
    idp.setAccessTokenTtl(120);
    try {
      const { id, user } = await createOAuthMailbox();
      await connectMailbox(id);
      const seen = new Set<string>();
      let previous = await storedRefreshToken(id);
      expect(previous).toBe(idp.currentRefreshToken(user));
      for (let fetch = 1; fetch <= 5; fetch++) {
        const refreshedBefore = idp.counters.refreshed;
        const token = await service.accessTokenFor(id);
        expect(token.refreshed).toBe(true);
        expect(idp.counters.refreshed).toBe(refreshedBefore + 1);
        const stored = await storedRefreshToken(id);
        expect(stored).not.toBe(previous);
        expect(stored).toBe(idp.currentRefreshToken(user));
        expect(seen.has(stored as string)).toBe(false);
        seen.add(stored as string);
        previous = stored;
        expect(await loginWorks(id, user, token.accessToken)).toBe(0);
      }
      const row = await storedRow(id);
      expect(row.oauth_refresh_token_renewed_at).not.toBeNull();
      // Microsoft's 90-day inactivity rule, counted from the last renewal.
      expect(
        new Date(row.oauth_refresh_token_expires_at as Date).getTime() -
          new Date(row.oauth_refresh_token_renewed_at as Date).getTime(),
      ).toBe(90 * 24 * 60 * 60 * 1000);
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });

  it('reuses a cached access token that is far from expiry without calling the provider', async () => {
    const { id, user } = await createOAuthMailbox();
    await connectMailbox(id);
    const requestsBefore = idp.counters.tokenRequests;
    const first = await service.accessTokenFor(id);
    const second = await service.accessTokenFor(id);
    expect(first.refreshed).toBe(false);
    expect(second.accessToken).toBe(first.accessToken);
    expect(idp.counters.tokenRequests).toBe(requestsBefore);
    expect(await loginWorks(id, user, second.accessToken)).toBe(0);
  });

  it('two workers racing on one mailbox spend one refresh token, not two', async () => {
    idp.setAccessTokenTtl(120);
    try {
      const { id, user } = await createOAuthMailbox();
      // Connected with an access token about to expire, so the next fetch must refresh; the refresh
      // then yields an hour-long one, which the second worker finds in the cache once it has the lock.
      await connectMailbox(id);
      idp.setAccessTokenTtl(3600);
      const refreshedBefore = idp.counters.refreshed;
      const rejectedBefore = idp.counters.rejected;
      // Two services on two connection pools, as two fetcher replicas would be.
      const [one, two] = await Promise.all([
        service.accessTokenFor(id),
        newService(otherOrm).accessTokenFor(id),
      ]);
      expect(idp.counters.refreshed).toBe(refreshedBefore + 1);
      expect(idp.counters.rejected).toBe(rejectedBefore);
      expect([one.refreshed, two.refreshed].sort()).toEqual([false, true]);
      expect(two.accessToken).toBe(one.accessToken);
      expect(await storedRefreshToken(id)).toBe(idp.currentRefreshToken(user));
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });

  it('a revoked grant marks the mailbox "needs re-authorization" and later calls never reach the provider', async () => {
    idp.setAccessTokenTtl(120);
    try {
      const { id, user } = await createOAuthMailbox();
      await connectMailbox(id);
      const refreshToken = await storedRefreshToken(id);
      idp.revokeUser(user);

      const failure = await service.accessTokenFor(id).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OAuthReauthorizationRequiredError);
      const reason = (failure as OAuthReauthorizationRequiredError).reason;
      expect(reason).toContain('invalid_grant');
      expect(reason).toContain('AADSTS50173');
      expect(reason).not.toContain(refreshToken as string);
      expect(reason).not.toContain(CLIENT_SECRET);
      const row = await storedRow(id);
      expect(row.needs_reauthorization).toBe(true);
      expect(row.reauthorization_reason).toBe(reason);

      const requestsAfterRefusal = idp.counters.tokenRequests;
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(service.accessTokenFor(id)).rejects.toBeInstanceOf(OAuthReauthorizationRequiredError);
      }
      expect(idp.counters.tokenRequests).toBe(requestsAfterRefusal);

      // Staff reconnect: the flag clears and tokens flow again.
      await connectMailbox(id);
      expect((await storedRow(id)).needs_reauthorization).toBe(false);
      const token = await service.accessTokenFor(id);
      expect(await loginWorks(id, user, token.accessToken)).toBe(0);
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });

  it('a refresh token set by hand (no cache yet) is redeemed, and the rotated one replaces it', async () => {
    const { id, user } = await createOAuthMailbox();
    const manual = idp.issueDirectly(user, CLIENT_ID).refreshToken;
    await orm.em.fork().nativeUpdate(Mailbox, { id }, { oauthRefreshTokenEncrypted: cipher.encrypt(manual) });
    const token = await service.accessTokenFor(id);
    expect(token.refreshed).toBe(true);
    const stored = await storedRefreshToken(id);
    expect(stored).not.toBe(manual);
    expect(stored).toBe(idp.currentRefreshToken(user));
    expect((await storedRow(id)).oauth_token_cache_encrypted).not.toBeNull();
    expect(await loginWorks(id, user, token.accessToken)).toBe(0);
  });

  it('an identity provider that cannot be reached is reported as such, not as an answer from Microsoft', async () => {
    const { id, user } = await createOAuthMailbox();
    const manual = idp.issueDirectly(user, CLIENT_ID).refreshToken;
    await orm.em.fork().nativeUpdate(Mailbox, { id }, { oauthRefreshTokenEncrypted: cipher.encrypt(manual) });
    // Nothing listens on this port: the token request fails before any answer.
    const unreachable = new MicrosoftOAuthTokenService(new MailboxOAuthGrantStore(orm.em), cipher, {
      authorityHost: `https://127.0.0.1:${await freePort()}`,
      authorityCaPem: idp.caCertPem,
      httpTimeoutMs: 2_000,
    });
    const failure = await unreachable.accessTokenFor(id).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OAuthProviderError);
    expect((failure as Error).message).toMatch(/^Microsoft could not be reached while /);
    expect((failure as Error).message).not.toContain(manual);
    expect((await storedRow(id)).needs_reauthorization).toBe(false);
  });

  const misconfigured: Array<{
    situation: string;
    overrides: Partial<Mailbox>;
    error: unknown;
    message: RegExp;
  }> = [
    {
      situation: 'never connected (no cache, no refresh token)',
      overrides: {},
      error: OAuthConfigurationError,
      message: /not connected to Microsoft yet/,
    },
    {
      situation: 'no client secret stored',
      overrides: { oauthClientSecretEncrypted: null },
      error: OAuthConfigurationError,
      message: /no OAuth client secret/,
    },
    {
      situation: 'a wrong client secret',
      overrides: { oauthClientSecretEncrypted: cipher.encrypt('cs-wrong-secret-1234') },
      error: OAuthProviderError,
      message: /invalid_client.*AADSTS7000215/,
    },
  ];
  it.each(misconfigured)(
    '$situation: a clear error, no secret in it, mailbox not marked',
    async ({ overrides, error, message }) => {
      const { id, user } = await createOAuthMailbox(overrides);
      if (
        overrides.oauthClientSecretEncrypted !== undefined &&
        overrides.oauthClientSecretEncrypted !== null
      ) {
        const manual = idp.issueDirectly(user, CLIENT_ID).refreshToken;
        await orm.em
          .fork()
          .nativeUpdate(Mailbox, { id }, { oauthRefreshTokenEncrypted: cipher.encrypt(manual) });
      }
      const failure = await service.accessTokenFor(id).catch((caught: unknown) => caught);
      expect(failure).toBeInstanceOf(error);
      expect((failure as Error).message).toMatch(message);
      expect((failure as Error).message).not.toContain('cs-wrong-secret-1234');
      expect((failure as Error).message).not.toContain(CLIENT_SECRET);
      expect((await storedRow(id)).needs_reauthorization).toBe(false);
    },
  );

  it('no token or secret appears in any stored column in clear', async () => {
    const rows = await orm.em
      .getConnection()
      .execute<Array<Record<string, unknown>>>('select * from mailbox');
    const text = JSON.stringify(rows);
    for (const token of idp.issuedTokens()) expect(text).not.toContain(token);
    expect(text).not.toContain(CLIENT_SECRET);
  });
});
