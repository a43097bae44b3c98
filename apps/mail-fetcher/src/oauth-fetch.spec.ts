import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MikroORM } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SecretCipher } from '@twe/config';
import {
  MicrosoftOAuthTokenService,
  verifyImapConnection,
  verifyPop3Connection,
  withImapSession,
} from '@twe/mail';
import {
  InboundMessage,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
  ormConfig,
  runMigrations,
  TicketTask,
  TicketType,
} from '@twe/persistence';
import { enqueueFetchNow, jobId, QueueName, redisConnectionOptions } from '@twe/queues';
import {
  captureProcessOutput,
  createTestDatabase,
  deleteRedisKeys,
  readMailFixture,
  readRedisKeysAsText,
  startDovecot,
  startFakeIdentityProvider,
  testRedisUrl,
  uniqueQueuePrefix,
  type DovecotServer,
  type FakeIdentityProvider,
  type OutputCapture,
  type TestDatabase,
} from '@twe/testing';
import { QueueEvents, type Queue } from 'bullmq';
import { Logger as PinoLogger } from 'nestjs-pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MailboxConnectionTestService } from './mailbox-connection-test.service';
import type { FetchOutcome } from './mailbox-fetch.service';

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
let database: TestDatabase;
let orm: MikroORM;
let app: INestApplication;
let fetchQueue: Queue;
let fetchEvents: QueueEvents;
let tokens: MicrosoftOAuthTokenService;
let output: OutputCapture;
let caDir: string;
const prefix = uniqueQueuePrefix();
const cipher = SecretCipher.fromEnvironment({ NODE_ENV: 'test' });
const passwords: string[] = [];
let userCount = 0;

beforeAll(async () => {
  idp = await startFakeIdentityProvider({ clients: { [CLIENT_ID]: CLIENT_SECRET } });
  dovecot = await startDovecot({ oauth2IntrospectionUrl: idp.introspectionUrl });
  database = await createTestDatabase();
  orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 2 }));
  await runMigrations(orm);
  caDir = await mkdtemp(join(tmpdir(), 'twe-idp-ca-'));
  await writeFile(join(caDir, 'ca.pem'), idp.caCertPem);

  Object.assign(process.env, {
    NODE_ENV: 'test',
    // Debug: the most the services ever log, so the leak check below sees everything.
    LOG_LEVEL: 'debug',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    FETCH_RECONCILE_SECONDS: '3600',
    MICROSOFT_AUTHORITY_HOST: idp.authorityHost,
    MICROSOFT_AUTHORITY_CA_FILE: join(caDir, 'ca.pem'),
  });
  output = captureProcessOutput();
  const { AppModule } = await import('./app.module.js');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication({ bufferLogs: true });
  // The logger production uses (nestjs-pino), so the captured lines are the real ones.
  app.useLogger(app.get(PinoLogger));
  await app.init();
  tokens = app.get(MicrosoftOAuthTokenService);
  fetchQueue = app.get(getQueueToken(QueueName.MailFetch));
  fetchEvents = new QueueEvents(QueueName.MailFetch, {
    connection: redisConnectionOptions(testRedisUrl()),
    prefix,
  });
  await fetchEvents.waitUntilReady();
});

afterAll(async () => {
  output?.stop();
  await app?.close();
  await fetchEvents?.close();
  await orm?.close();
  await database?.drop();
  await deleteRedisKeys(testRedisUrl(), prefix);
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
  const em = orm.em.fork();
  const mailbox = new Mailbox({
    name: `OAuth ${user}`,
    kind,
    host: dovecot.host,
    port: kind === MailboxKind.Pop3OAuth ? dovecot.pop3sPort : dovecot.imapsPort,
    security: MailboxSecurity.Tls,
    username: user,
  });
  mailbox.trustedCaPem = dovecot.caCertPem;
  mailbox.oauthProvider = 'microsoft';
  mailbox.oauthTenantId = TENANT;
  mailbox.oauthClientId = CLIENT_ID;
  mailbox.oauthClientSecretEncrypted = cipher.encrypt(CLIENT_SECRET);
  mailbox.oauthRedirectUrl = 'https://helpdesk.fabrikam.test/api/oauth/microsoft/callback';
  const type = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support',
    emailTo: user,
    workflowTag: 'Support',
    mailbox,
    adminEmail: 'admin@fabrikam.test',
  });
  await em.persistAndFlush([mailbox, type]);
  const redirect = await idp.followAuthorizeUrl(await tokens.authorizeUrl(mailbox.id, 'state'));
  await tokens.connectWithCode(mailbox.id, redirect.searchParams.get('code') ?? '');
  return { id: mailbox.id, user, password };
}

function passwordSettings(box: OAuthBox) {
  return {
    host: dovecot.host,
    port: dovecot.imapsPort,
    security: 'tls' as const,
    auth: { kind: 'password' as const, user: box.user, password: box.password },
    trustedCaPem: dovecot.caCertPem,
  };
}

async function append(box: OAuthBox, messages: Buffer[]): Promise<void> {
  await withImapSession(passwordSettings(box), async (session) => {
    for (const message of messages) await session.client.append('INBOX', message);
  });
}

type JobEnd = { state: 'completed'; outcome: FetchOutcome } | { state: 'failed'; reason: string };

/** "Fetch now" through the queue; resolves when the worker finished the job. */
async function runFetchJob(mailboxId: number): Promise<JobEnd> {
  const id = jobId.fetchMailboxNow(mailboxId);
  const ended = new Promise<JobEnd>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`job ${id} did not finish`)), 30_000);
    const onCompleted = ({ jobId: finished, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      if (finished !== id) return;
      done();
      resolve({
        state: 'completed',
        outcome: (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as FetchOutcome,
      });
    };
    const onFailed = ({ jobId: failed, failedReason }: { jobId: string; failedReason: string }) => {
      if (failed !== id) return;
      done();
      resolve({ state: 'failed', reason: failedReason });
    };
    const done = () => {
      clearTimeout(timer);
      fetchEvents.off('completed', onCompleted);
      fetchEvents.off('failed', onFailed);
    };
    fetchEvents.on('completed', onCompleted);
    fetchEvents.on('failed', onFailed);
  });
  await enqueueFetchNow(fetchQueue, mailboxId);
  return ended;
}

async function storedRefreshToken(mailboxId: number): Promise<string | null> {
  const mailbox = await orm.em
    .fork()
    .findOneOrFail(Mailbox, mailboxId, { populate: ['oauthRefreshTokenEncrypted'] });
  return mailbox.oauthRefreshTokenEncrypted === null
    ? null
    : cipher.decrypt(mailbox.oauthRefreshTokenEncrypted);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('mail.fetch of a POP3 - OAuth mailbox', () => {
  it('fetches the sample messages with AUTH XOAUTH2 and empties the maildrop; the refresh token rotates', async () => {
    idp.setAccessTokenTtl(120);
    try {
      const box = await createConnectedMailbox(MailboxKind.Pop3OAuth);
      const fixtures = FIXTURES.map((name) => readMailFixture(name));
      await append(box, fixtures); // the same maildir serves IMAP and POP3
      const before = await storedRefreshToken(box.id);
      const refreshedBefore = idp.counters.refreshed;

      const end = await runFetchJob(box.id);

      expect(end).toMatchObject({
        state: 'completed',
        outcome: { status: 'done', result: { seen: 4, captured: 4, deleted: 4 }, enqueued: 4 },
      });
      const rows = await orm.em.fork().find(InboundMessage, { mailbox: box.id }, { orderBy: { id: 'asc' } });
      expect(rows.map((row) => row.sha256)).toEqual(fixtures.map(sha256));
      expect(rows.every((row) => row.remoteId.startsWith('pop3:'))).toBe(true);
      expect(
        await verifyPop3Connection({
          host: dovecot.host,
          port: dovecot.pop3sPort,
          security: 'tls',
          auth: { kind: 'password', user: box.user, password: box.password },
          trustedCaPem: dovecot.caCertPem,
        }),
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

    const end = await runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: { status: 'done', result: { seen: 4, captured: 4, deleted: 4 }, enqueued: 4 },
    });
    const rows = await orm.em
      .fork()
      .find(InboundMessage, { mailbox: box.id }, { populate: ['raw'], orderBy: { id: 'asc' } });
    expect(rows.map((row) => row.sha256)).toEqual(fixtures.map(sha256));
    expect(await verifyImapConnection(passwordSettings(box))).toEqual({ messages: 0 });
    const mailbox = await orm.em.fork().findOneOrFail(Mailbox, box.id);
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
        const end = await runFetchJob(box.id);
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
      const mailbox = await orm.em.fork().findOneOrFail(Mailbox, box.id);
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

      const first = await runFetchJob(box.id);
      expect(first.state).toBe('failed');
      expect((first as { reason: string }).reason).toContain('AADSTS50173');
      let mailbox = await orm.em.fork().findOneOrFail(Mailbox, box.id);
      expect(mailbox.needsReauthorization).toBe(true);
      expect(mailbox.reauthorizationReason).toContain('invalid_grant');
      expect(mailbox.lastError).toContain('needs re-authorization');
      expect(mailbox.consecutiveFailures).toBe(1);

      const requests = idp.counters.tokenRequests;
      for (let again = 0; again < 2; again++) expect((await runFetchJob(box.id)).state).toBe('failed');
      expect(idp.counters.tokenRequests).toBe(requests);
      mailbox = await orm.em.fork().findOneOrFail(Mailbox, box.id);
      expect(mailbox.consecutiveFailures).toBe(3);
      // Nothing was lost: the message waits on the server for the reconnect.
      expect(await verifyImapConnection(passwordSettings(box))).toEqual({ messages: 1 });
    } finally {
      idp.setAccessTokenTtl(3600);
    }
  });

  it('"test connection" logs in with an access token, and reports a refused grant in the provider\'s words', async () => {
    const connectionTest = app.get(MailboxConnectionTestService);
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
    const redis = await readRedisKeysAsText(testRedisUrl(), prefix);
    expect(redis).toContain('inboundMessageId');
    const columns = JSON.stringify(await orm.em.getConnection().execute('select * from mailbox'));
    const secrets = [...idp.issuedTokens(), CLIENT_SECRET, ...passwords];
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(redis).not.toContain(secret);
      expect(columns).not.toContain(secret);
    }
  });
});
