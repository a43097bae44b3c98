import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MikroORM } from '@mikro-orm/postgresql';
import { SecretCipher } from '@twe/config';
import {
  MicrosoftOAuthTokenService,
  OAuthReauthorizationRequiredError,
  verifyImapConnection,
} from '@twe/mail';
import { MailboxOAuthGrantStore, ormConfig } from '@twe/persistence';
import {
  captureProcessOutput,
  readRedisKeysAsText,
  startDovecot,
  startFakeIdentityProvider,
  type DovecotServer,
  type FakeIdentityProvider,
  type OutputCapture,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGateway, type GatewayUnderTest } from './gateway-harness';

// The connect flow through HTTP: gateway (in-process, as main.ts starts it) -> the local Microsoft-shaped
// identity provider (the real one cannot be reached from tests) -> callback -> tokens stored, checked by
// a real Dovecot that validates the access token against the provider.
const CLIENT_ID = 'gateway-client-9d1e';
const CLIENT_SECRET = `cs-${randomBytes(8).toString('hex')}`;
const TENANT = 'contoso.onmicrosoft.test';

let idp: FakeIdentityProvider;
let dovecot: DovecotServer;
let gateway: GatewayUnderTest;
let output: OutputCapture;
let orm: MikroORM;
let caDir: string;
const authorizationCodes: string[] = [];
let userCount = 0;

beforeAll(async () => {
  idp = await startFakeIdentityProvider({ clients: { [CLIENT_ID]: CLIENT_SECRET } });
  dovecot = await startDovecot({ oauth2IntrospectionUrl: idp.introspectionUrl });
  caDir = await mkdtemp(join(tmpdir(), 'twe-idp-ca-'));
  await writeFile(join(caDir, 'ca.pem'), idp.caCertPem);
  output = captureProcessOutput();
  gateway = await startGateway({
    env: {
      LOG_LEVEL: 'debug',
      MICROSOFT_AUTHORITY_HOST: idp.authorityHost,
      MICROSOFT_AUTHORITY_CA_FILE: join(caDir, 'ca.pem'),
    },
  });
  orm = await MikroORM.init(ormConfig({ databaseUrl: gateway.databaseUrl, poolMax: 2 }));
});

afterAll(async () => {
  output?.stop();
  await orm?.close();
  await gateway?.close();
  await dovecot?.stop();
  await idp?.stop();
  if (caDir) await rm(caDir, { recursive: true, force: true });
});

/** What the fetcher does before a fetch (same library, same database). */
function fetcherTokens(): MicrosoftOAuthTokenService {
  return new MicrosoftOAuthTokenService(
    new MailboxOAuthGrantStore(orm.em),
    SecretCipher.fromEnvironment({ NODE_ENV: 'test' }),
    { authorityHost: idp.authorityHost, authorityCaPem: idp.caCertPem, httpTimeoutMs: 5_000 },
  );
}

async function createOAuthMailbox(type = 'IMAP - OAuth'): Promise<{ id: number; user: string }> {
  const user = `desk${++userCount}@contoso.test`;
  await dovecot.addUser(user, `unused-${randomBytes(4).toString('hex')}`);
  const response = await gateway.request('POST', '/api/mailboxes', {
    name: `OAuth ${user}`,
    type,
    host: dovecot.host,
    port: dovecot.imapsPort,
    security: 'tls',
    username: user,
    trustedCaPem: dovecot.caCertPem,
    oauthProvider: 'microsoft',
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUrl: `${gateway.baseUrl}/api/oauth/microsoft/callback`,
  });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.id as number, user };
}

/** Staff: get the authorize URL, sign in at the provider, follow its redirect back to the gateway. */
async function connectThroughHttp(mailboxId: number) {
  const authorize = await gateway.request('GET', `/api/mailboxes/${mailboxId}/oauth/authorize-url`);
  expect(authorize.status, authorize.text).toBe(200);
  const redirect = await idp.followAuthorizeUrl(authorize.body.url);
  authorizationCodes.push(redirect.searchParams.get('code') ?? '');
  expect(redirect.origin).toBe(gateway.baseUrl);
  return gateway.request('GET', `${redirect.pathname}${redirect.search}`);
}

async function accessTokenWorksAtDovecot(mailboxId: number, user: string): Promise<boolean> {
  const { accessToken } = await fetcherTokens().accessTokenFor(mailboxId);
  const { messages } = await verifyImapConnection({
    host: dovecot.host,
    port: dovecot.imapsPort,
    security: 'tls',
    auth: { kind: 'oauth2', user, accessToken },
    trustedCaPem: dovecot.caCertPem,
  });
  return messages === 0;
}

describe('Microsoft OAuth connect flow', () => {
  it('authorize URL -> sign-in redirect with code -> callback stores the tokens -> a fetch can log in', async () => {
    const { id, user } = await createOAuthMailbox();
    const before = await gateway.request('GET', `/api/mailboxes/${id}`);
    expect(before.body.oauth).toMatchObject({ connected: false, needsReauthorization: false, warning: null });

    const authorize = await gateway.request('GET', `/api/mailboxes/${id}/oauth/authorize-url`);
    const url = new URL(authorize.body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.authorityHost}/${TENANT}/oauth2/v2.0/authorize`);
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('redirect_uri')).toBe(`${gateway.baseUrl}/api/oauth/microsoft/callback`);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining([
        'offline_access',
        'https://outlook.office.com/IMAP.AccessAsUser.All',
        'https://outlook.office.com/POP.AccessAsUser.All',
      ]),
    );
    expect(url.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);

    const callback = await connectThroughHttp(id);
    expect(callback.status, callback.text).toBe(200);
    expect(callback.body).toMatchObject({ mailboxId: id, connected: true, account: user });

    const after = await gateway.request('GET', `/api/mailboxes/${id}`);
    expect(after.body.refreshTokenSet).toBe(true);
    expect(after.body.oauth).toMatchObject({
      connected: true,
      needsReauthorization: false,
      reason: null,
      warning: null,
    });
    expect(Date.parse(after.body.oauth.refreshTokenRenewedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(after.body.oauth.refreshTokenExpiresAt)).toBe(
      Date.parse(after.body.oauth.refreshTokenRenewedAt) + 90 * 24 * 60 * 60 * 1000,
    );
    expect(await accessTokenWorksAtDovecot(id, user)).toBe(true);
  });

  it('a second mailbox of the same directory (same app registration) is connected the same way, as its own user', async () => {
    const first = await createOAuthMailbox();
    const second = await createOAuthMailbox('POP3 - OAuth');
    expect((await connectThroughHttp(first.id)).body.account).toBe(first.user);
    expect((await connectThroughHttp(second.id)).body.account).toBe(second.user);
    expect(await accessTokenWorksAtDovecot(first.id, first.user)).toBe(true);
    expect(await accessTokenWorksAtDovecot(second.id, second.user)).toBe(true);
  });

  it('a revoked grant shows "needs re-authorization" with the provider message, and reconnecting clears it', async () => {
    idp.setAccessTokenTtl(120);
    try {
      const { id, user } = await createOAuthMailbox();
      expect((await connectThroughHttp(id)).status).toBe(200);
      idp.revokeUser(user);
      await expect(fetcherTokens().accessTokenFor(id)).rejects.toBeInstanceOf(
        OAuthReauthorizationRequiredError,
      );

      const marked = await gateway.request('GET', `/api/mailboxes/${id}`);
      expect(marked.body.oauth).toMatchObject({ connected: true, needsReauthorization: true, warning: null });
      expect(marked.body.oauth.reason).toContain('AADSTS50173');
      const listed = await gateway.request('GET', '/api/mailboxes');
      expect(
        listed.body.find((mailbox: { id: number }) => mailbox.id === id).oauth.needsReauthorization,
      ).toBe(true);

      expect((await connectThroughHttp(id)).status).toBe(200);
      const cleared = await gateway.request('GET', `/api/mailboxes/${id}`);
      expect(cleared.body.oauth).toMatchObject({ needsReauthorization: false, reason: null });
      expect(await accessTokenWorksAtDovecot(id, user)).toBe(true);
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });

  const renewals = [
    { situation: 'renewed 74 days ago: no warning', daysAgo: 74, warns: false },
    { situation: 'not renewed for 75 days: warning', daysAgo: 75, warns: true },
    { situation: 'not renewed for 89 days: warning', daysAgo: 89, warns: true },
  ];
  it.each(renewals)('refresh token $situation', async ({ daysAgo, warns }) => {
    const { id } = await createOAuthMailbox();
    await connectThroughHttp(id);
    await gateway.db.query(
      `update mailbox set oauth_refresh_token_renewed_at = now() - make_interval(days => $2::int) where id = $1`,
      [id, daysAgo],
    );
    const response = await gateway.request('GET', `/api/mailboxes/${id}`);
    if (warns) expect(response.body.oauth.warning).toContain(`not been renewed for ${daysAgo} days`);
    else expect(response.body.oauth.warning).toBeNull();
  });

  const badCallbacks: Array<{
    situation: string;
    query: () => Promise<string>;
    status: number;
    message: RegExp;
  }> = [
    {
      situation: 'a state not signed by this gateway',
      query: async () =>
        `code=whatever&state=${Buffer.from('{"m":1,"e":9999999999}').toString('base64url')}.forged`,
      status: 400,
      message: /not issued by this gateway/,
    },
    { situation: 'no state', query: async () => 'code=whatever', status: 400, message: /no state/ },
    {
      situation: 'the user declined at the provider',
      query: async () => {
        const { id } = await createOAuthMailbox();
        const state = new URL(
          (await gateway.request('GET', `/api/mailboxes/${id}/oauth/authorize-url`)).body.url,
        ).searchParams.get('state');
        return `error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent.&state=${state}`;
      },
      status: 400,
      message: /access_denied.*AADSTS65004/,
    },
    {
      situation: 'a code that was already redeemed',
      query: async () => {
        const { id } = await createOAuthMailbox();
        const authorize = await gateway.request('GET', `/api/mailboxes/${id}/oauth/authorize-url`);
        const redirect = await idp.followAuthorizeUrl(authorize.body.url);
        authorizationCodes.push(redirect.searchParams.get('code') ?? '');
        await gateway.request('GET', `${redirect.pathname}${redirect.search}`);
        return redirect.search.slice(1);
      },
      status: 400,
      message: /invalid_grant.*AADSTS70008/,
    },
  ];
  it.each(badCallbacks)(
    'callback with $situation: a clear error and nothing stored',
    async ({ query, status, message }) => {
      const search = await query();
      const redeemedBefore = idp.counters.codeRedeemed;
      const response = await gateway.request('GET', `/api/oauth/microsoft/callback?${search}`);
      expect(response.status, response.text).toBe(status);
      expect(response.body.message).toMatch(message);
      expect(idp.counters.codeRedeemed).toBe(redeemedBefore);
    },
  );

  const badAuthorize = [
    { situation: 'a plain IMAP mailbox', status: 400, create: true },
    { situation: 'a mailbox that does not exist', status: 404, create: false },
  ];
  it.each(badAuthorize)('authorize URL for $situation is refused', async ({ status, create }) => {
    let id = 999_999;
    if (create) {
      const created = await gateway.request('POST', '/api/mailboxes', {
        name: 'Plain',
        type: 'IMAP',
        host: 'imap.example.com',
        port: 993,
        security: 'tls',
        username: 'plain@example.com',
        password: 'pw-plain-1234',
      });
      id = created.body.id;
    }
    expect((await gateway.request('GET', `/api/mailboxes/${id}/oauth/authorize-url`)).status).toBe(status);
  });

  it('both routes are in the OpenAPI document', async () => {
    const response = await gateway.request('GET', '/docs-json');
    expect(
      response.body.paths['/api/mailboxes/{id}/oauth/authorize-url'].get.responses['200'].content,
    ).toBeDefined();
    expect(response.body.paths['/api/oauth/microsoft/callback'].get).toBeDefined();
    expect(response.body.components.schemas.Mailbox.properties.oauth).toBeDefined();
  });

  it('no token, client secret or authorization code in any response, log line or Redis key', async () => {
    const logs = output.text();
    expect(logs).toContain('/api/oauth/microsoft/callback');
    const redis = await readRedisKeysAsText(gateway.redisUrl, gateway.queuePrefix);
    const responses = gateway.responseTexts.join('\n');
    const secrets = [...idp.issuedTokens(), CLIENT_SECRET, ...authorizationCodes.filter(Boolean)];
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(responses).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(redis).not.toContain(secret);
    }
  });
});
