import { randomBytes } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SecretCipher } from '@twe/config';
import { verifyImapConnection, withImapSession, type ImapConnectionSettings } from '@twe/mail';
import {
  FetchOutcomeKind,
  InboundMessage,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
  ormConfig,
  runMigrations,
  TicketTask,
  TicketType,
} from '@twe/persistence';
import {
  createTestDatabase,
  deleteRedisKeys,
  readMailFixture,
  startDovecot,
  testRedisUrl,
  uniqueQueuePrefix,
  type DovecotServer,
  type TestDatabase,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MailboxFetchService } from './mailbox-fetch.service';

/**
 * FETCH_BUDGET_MS: a fetch that has spent its budget stops cleanly after the batch in hand (captured,
 * deleted, enqueued), keeps what it captured, says so on the mailbox, and the next run continues.
 * A budget of 1 ms is spent by the end of the first batch, which makes the stop point deterministic.
 */
const FIXTURES = [
  'imaptools-example13.eml',
  'imaptools-example14.eml',
  'enmime-non-mime-html.eml',
  'imaptools-utf8_headers.eml',
  'mmp-m0001.eml',
];
const USER = 'budget';
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

let dovecot: DovecotServer;
let database: TestDatabase;
let orm: MikroORM;
let app: INestApplication;
let fetcher: MailboxFetchService;
const prefix = uniqueQueuePrefix();

beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
  database = await createTestDatabase();
  orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 2 }));
  await runMigrations(orm);
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    FETCH_BATCH_SIZE: '3',
    FETCH_BUDGET_MS: '1',
    FETCH_RECONCILE_SECONDS: '3600',
  });
  const { AppModule } = await import('./app.module.js');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication();
  await app.init();
  fetcher = app.get((await import('./mailbox-fetch.service.js')).MailboxFetchService);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await orm?.close();
  await database?.drop();
  await deleteRedisKeys(testRedisUrl(), prefix);
  await dovecot?.stop();
});

describe('fetch budget', () => {
  it('a spent budget stops after the first batch, keeps it, and the next run finishes', async () => {
    const settings: ImapConnectionSettings = {
      host: dovecot.host,
      port: dovecot.imapPort,
      security: 'starttls',
      auth: { kind: 'password', user: USER, password: PASSWORD },
      trustedCaPem: dovecot.caCertPem,
    };
    const fixtures = FIXTURES.map((name) => readMailFixture(name));
    await withImapSession(settings, async (session) => {
      for (const message of fixtures) await session.client.append('INBOX', message);
    });
    const em = orm.em.fork();
    const mailbox = new Mailbox({
      name: 'Budget',
      kind: MailboxKind.Imap,
      host: dovecot.host,
      port: dovecot.imapPort,
      security: MailboxSecurity.StartTls,
      username: USER,
    });
    mailbox.passwordEncrypted = SecretCipher.fromEnvironment({ NODE_ENV: 'test' }).encrypt(PASSWORD);
    mailbox.trustedCaPem = dovecot.caCertPem;
    const type = new TicketType({
      task: TicketTask.SimpleStorage,
      name: 'Support',
      emailTo: 'budget@example.com',
      workflowTag: 'Support',
      mailbox,
      adminEmail: 'admin@example.com',
    });
    await em.persistAndFlush([mailbox, type]);
    const healthOf = () => orm.em.fork().findOneOrFail(Mailbox, mailbox.id);
    const rows = () => orm.em.fork().count(InboundMessage, { mailbox: mailbox.id });

    const first = await fetcher.fetchMailbox(mailbox.id, { trigger: 'schedule' });

    expect(first).toMatchObject({
      status: 'done',
      budgetSpent: true,
      enqueued: 3,
      result: { seen: 5, captured: 3, deleted: 3, stoppedEarly: true },
    });
    expect(await healthOf()).toMatchObject({
      lastFetchOutcome: FetchOutcomeKind.StoppedAfterBudget,
      lastFetchCapturedCount: 3,
      consecutiveFailures: 0,
      lastError: null,
      backoffUntil: null,
    });
    expect(await rows()).toBe(3);
    expect((await verifyImapConnection(settings)).messages).toBe(2);

    const second = await fetcher.fetchMailbox(mailbox.id, { trigger: 'schedule' });

    expect(second).toMatchObject({
      status: 'done',
      budgetSpent: false,
      enqueued: 2,
      result: { seen: 2, captured: 2, deleted: 2, stoppedEarly: false },
    });
    expect(await healthOf()).toMatchObject({
      lastFetchOutcome: FetchOutcomeKind.Succeeded,
      lastFetchCapturedCount: 2,
    });
    expect(await rows()).toBe(5);
    const remoteIds = (await orm.em.fork().find(InboundMessage, { mailbox: mailbox.id })).map(
      (row) => row.remoteId,
    );
    expect(new Set(remoteIds).size).toBe(5);
    expect((await verifyImapConnection(settings)).messages).toBe(0);
  });
});
