import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MicrosoftOAuthTokenService, verifyImapConnection, verifyPop3Connection } from '@twe/mail';
import { Mailbox, MailboxKind, MailboxSecurity } from '@twe/persistence';
import {
  captureProcessOutput,
  readMailFixture,
  readRedisKeysAsText,
  startDovecot,
  startFakeIdentityProvider,
  testRedisUrl,
  type DovecotServer,
  type FakeIdentityProvider,
  type OutputCapture,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  appendToInbox,
  dovecotLogin,
  sha256,
  startFetcherHarness,
  testCipher,
  type FetcherHarness,
} from '../test/fetcher-test-harness';
import { MailboxConnectionTestService } from './mailbox-connection-test.service';

// Real Dovecot (XOAUTH2/OAUTHBEARER checked against the identity provider's introspection), real
// PostgreSQL and Redis; the identity provider is the local Microsoft-shaped one (login.microsoftonline.com
// cannot be reached from tests).
const CLIENT_ID = 'fetcher-client-41c2';
const CLIENT_SECRET = `cs-${randomBytes(8).toString('hex')}`;
const TENANT = 'fabrikam-tenant';
const FIXTURES = [
  'imaptools-example13.eml',
  'imaptools-example14.eml',
  'enmime-non-mime-html.eml',
  'mmp-m0001.eml',
];

let idp: FakeIdentityProvider;
let dovecot: DovecotServer;
let harness: FetcherHarness;
let tokens: MicrosoftOAuthTokenService;
let output: OutputCapture;
let caDir: string;
const passwords: string[] = [];
let userCount = 0;

beforeAll(async () => {
  idp = await startFakeIdentityProvider({ clients: { [CLIENT_ID]: CLIENT_SECRET } });
  dovecot = await startDovecot({ oauth2IntrospectionUrl: idp.introspectionUrl });
  caDir = await mkdtemp(join(tmpdir(), 'twe-idp-ca-'));
  await writeFile(join(caDir, 'ca.pem'), idp.caCertPem);

  output = captureProcessOutput();
  harness = await startFetcherHarness({
    env: {
      // Debug: the most the services ever log, so the leak check below sees everything.
      LOG_LEVEL: 'debug',
      MICROSOFT_AUTHORITY_HOST: idp.authorityHost,
      MICROSOFT_AUTHORITY_CA_FILE: join(caDir, 'ca.pem'),
    },
    // The logger production uses (nestjs-pino), so the captured lines are the real ones.
    productionLogger: true,
  });
  tokens = harness.app.get(MicrosoftOAuthTokenService);
});

afterAll(async () => {
  output?.stop();
  await harness?.close();
  await dovecot?.stop();
  await idp?.stop();
  if (caDir) await rm(caDir, { recursive: true, force: true });
});

interface OAuthBox {
  id: number;
  user: string;
  password: string;
}

/** An OAuth mailbox (`IMAP - OAuth` unless told) with an active ticket type, connected through the authorize redirect. */
async function createConnectedMailbox(
  kind: typeof MailboxKind.ImapOAuth | typeof MailboxKind.Pop3OAuth = MailboxKind.ImapOAuth,
): Promise<OAuthBox> {
  const user = `shared${++userCount}@fabrikam.test`;
  // The password is only for the test to APPEND mail; the fetcher logs in with access tokens.
  const password = `pw-${randomBytes(6).toString('hex')}`;
  passwords.push(password);
  await dovecot.addUser(user, password);
  const mailbox = await harness.createMailboxWithType({
    fields: {
      name: `OAuth ${user}`,
      kind,
      host: dovecot.host,
      port: kind === MailboxKind.Pop3OAuth ? dovecot.pop3sPort : dovecot.imapsPort,
      security: MailboxSecurity.Tls,
      username: user,
    },
    trustedCaPem: dovecot.caCertPem,
    emailTo: user,
    adminEmail: 'admin@fabrikam.test',
    configure: (row) => {
      row.oauthProvider = 'microsoft';
      row.oauthTenantId = TENANT;
      row.oauthClientId = CLIENT_ID;
      row.oauthClientSecretEncrypted = testCipher.encrypt(CLIENT_SECRET);
      row.oauthRedirectUrl = 'https://helpdesk.fabrikam.test/api/oauth/microsoft/callback';
    },
  });
  const redirect = await idp.followAuthorizeUrl(await tokens.authorizeUrl(mailbox.id, 'state'));
  await tokens.connectWithCode(mailbox.id, redirect.searchParams.get('code') ?? '');
  return { id: mailbox.id, user, password };
}

function passwordSettings(box: OAuthBox) {
  return dovecotLogin(dovecot, box, { port: dovecot.imapsPort, security: 'tls' });
}

async function append(box: OAuthBox, messages: Buffer[]): Promise<void> {
  await appendToInbox(passwordSettings(box), messages);
}

async function storedRefreshToken(mailboxId: number): Promise<string | null> {
  const mailbox = await harness.orm.em
    .fork()
    .findOneOrFail(Mailbox, mailboxId, { populate: ['oauthRefreshTokenEncrypted'] });
  return mailbox.oauthRefreshTokenEncrypted === null
    ? null
    : testCipher.decrypt(mailbox.oauthRefreshTokenEncrypted);
}

describe('mail.fetch of a POP3 - OAuth mailbox', () => {
  it('fetches the sample messages with AUTH XOAUTH2 and empties the maildrop; the refresh token rotates', async () => {
    idp.setAccessTokenTtl(120);
    try {
      const box = await createConnectedMailbox(MailboxKind.Pop3OAuth);
      const fixtures = FIXTURES.map((name) => readMailFixture(name));
      await append(box, fixtures); // the same maildir serves IMAP and POP3
      const before = await storedRefreshToken(box.id);
      const refreshedBefore = idp.counters.refreshed;

      const end = await harness.runFetchJob(box.id);

      expect(end).toMatchObject({
        state: 'completed',
        outcome: { status: 'done', result: { seen: 4, captured: 4, deleted: 4 }, enqueued: 4 },
      });
      const rows = await harness.capturedRows(box.id);
      expect(rows.map((row) => row.sha256)).toEqual(fixtures.map(sha256));
      expect(rows.every((row) => row.remoteId.startsWith('pop3:'))).toBe(true);
      expect(
        await verifyPop3Connection(dovecotLogin(dovecot, box, { port: dovecot.pop3sPort, security: 'tls' })),
      ).toEqual({ messages: 0, bytes: 0 });
      expect(idp.counters.refreshed).toBe(refreshedBefore + 1);
      const after = await storedRefreshToken(box.id);
      expect(after).not.toBe(before);
      expect(after).toBe(idp.currentRefreshToken(box.user));
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });
});

describe('mail.fetch of an IMAP - OAuth mailbox', () => {
  it('fetches the sample messages into captured rows, logging in with an access token', async () => {
    const box = await createConnectedMailbox();
    const fixtures = FIXTURES.map((name) => readMailFixture(name));
    await append(box, fixtures);

    const end = await harness.runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: { status: 'done', result: { seen: 4, captured: 4, deleted: 4 }, enqueued: 4 },
    });
    const rows = await harness.capturedRows(box.id);
    expect(rows.map((row) => row.sha256)).toEqual(fixtures.map(sha256));
    expect(await verifyImapConnection(passwordSettings(box))).toEqual({ messages: 0 });
    const mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox.lastFetchCapturedCount).toBe(4);
    expect(mailbox.lastError).toBeNull();
    expect(mailbox.needsReauthorization).toBe(false);
  });

  it('five fetches in a row each rotate the refresh token, and the stored one is always the newest', async () => {
    // Access tokens shorter-lived than msal's 5-minute margin: every fetch must refresh.
    idp.setAccessTokenTtl(120);
    try {
      const box = await createConnectedMailbox();
      const stored: Array<string | null> = [await storedRefreshToken(box.id)];
      for (let fetch = 1; fetch <= 5; fetch++) {
        await append(box, [readMailFixture(FIXTURES[fetch % FIXTURES.length])]);
        const refreshedBefore = idp.counters.refreshed;
        const end = await harness.runFetchJob(box.id);
        expect(end).toMatchObject({
          state: 'completed',
          outcome: { status: 'done', result: { captured: 1 } },
        });
        expect(idp.counters.refreshed).toBe(refreshedBefore + 1);
        const current = await storedRefreshToken(box.id);
        expect(current).toBe(idp.currentRefreshToken(box.user));
        expect(stored).not.toContain(current);
        stored.push(current);
      }
      const mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
      expect(mailbox.oauthRefreshTokenRenewedAt).toBeInstanceOf(Date);
      expect(mailbox.consecutiveFailures).toBe(0);
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });

  it('a revoked grant: the fetch fails with "needs re-authorization" and later fetches never call the provider', async () => {
    idp.setAccessTokenTtl(120);
    try {
      const box = await createConnectedMailbox();
      await append(box, [readMailFixture(FIXTURES[0])]);
      idp.revokeUser(box.user);

      const first = await harness.runFetchJob(box.id);
      expect(first.state).toBe('failed');
      expect((first as { reason: string }).reason).toContain('AADSTS50173');
      let mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
      expect(mailbox.needsReauthorization).toBe(true);
      expect(mailbox.reauthorizationReason).toContain('invalid_grant');
      expect(mailbox.lastError).toContain('needs re-authorization');
      expect(mailbox.consecutiveFailures).toBe(1);

      const requests = idp.counters.tokenRequests;
      for (let again = 0; again < 2; again++)
        expect((await harness.runFetchJob(box.id)).state).toBe('failed');
      expect(idp.counters.tokenRequests).toBe(requests);
      mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
      expect(mailbox.consecutiveFailures).toBe(3);
      // Nothing was lost: the message waits on the server for the reconnect.
      expect(await verifyImapConnection(passwordSettings(box))).toEqual({ messages: 1 });
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });

  it('"test connection" logs in with an access token, and reports a refused grant in the provider\'s words', async () => {
    const connectionTest = harness.app.get(MailboxConnectionTestService);
    const box = await createConnectedMailbox();
    expect(await connectionTest.test(box.id)).toMatchObject({
      ok: true,
      protocol: 'imap',
      failureKind: null,
    });

    idp.setAccessTokenTtl(120);
    try {
      const revoked = await createConnectedMailbox();
      idp.revokeUser(revoked.user);
      const reply = await connectionTest.test(revoked.id);
      expect(reply).toMatchObject({ ok: false, failureKind: 'needs-reauthorization' });
      expect(reply.summary).toContain('AADSTS50173');
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });

  it('no token, client secret or password in the logs, the job data in Redis, or the stored columns', async () => {
    const logs = output.text();
    // The capture works: the fetches above were logged.
    expect(logs).toContain('mailbox fetched');
    const redis = await readRedisKeysAsText(testRedisUrl(), harness.prefix);
    expect(redis).toContain('inboundMessageId');
    const columns = JSON.stringify(await harness.orm.em.getConnection().execute('select * from mailbox'));
    const secrets = [...idp.issuedTokens(), CLIENT_SECRET, ...passwords];
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(redis).not.toContain(secret);
      expect(columns).not.toContain(secret);
    }
  });
});
