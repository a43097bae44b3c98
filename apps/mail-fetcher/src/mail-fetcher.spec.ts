import { createHash, randomBytes } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SecretCipher } from '@twe/config';
import { verifyImapConnection, withImapSession, type ImapConnectionSettings } from '@twe/mail';
import {
  BackgroundTaskName,
  BackgroundTaskSetting,
  InboundMessage,
  InboundState,
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
  createTestDatabase,
  deleteRedisKeys,
  readMailFixture,
  startDovecot,
  testRedisUrl,
  uniqueQueuePrefix,
  type DovecotServer,
  type TestDatabase,
} from '@twe/testing';
import { QueueEvents, type Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CapturedInboundSweeper } from './captured-inbound.sweeper';
import { messagesCapturedTotal } from './fetch-metrics';
import type { FetchScheduleReconciler } from './fetch-schedule.reconciler';
import { MailboxFetchLock } from './mailbox-fetch-lock';
import type { FetchOutcome } from './mailbox-fetch.service';

// Modules that import @twe/runtime are loaded only once the environment is set: importing it reads
// appConfig() (its DatabaseModule's factory runs at import), which caches the configuration per process.
let sweeper: CapturedInboundSweeper;
let reconciler: FetchScheduleReconciler;

// CRLF-only fixtures: Dovecot returns them byte for byte, so hashes can be compared with the files.
const FIXTURES = [
  'imaptools-example13.eml',
  'imaptools-example14.eml',
  'enmime-non-mime-html.eml',
  'imaptools-utf8_headers.eml',
  'mmp-m0001.eml',
];

const users = Array.from({ length: 10 }, (_, i) => ({
  user: `box${i}`,
  password: `pw-${randomBytes(6).toString('hex')}`,
}));
let nextUser = 0;

let dovecot: DovecotServer;
let database: TestDatabase;
let orm: MikroORM;
let app: INestApplication;
let fetchQueue: Queue;
let inboundQueue: Queue;
let fetchEvents: QueueEvents;
const prefix = uniqueQueuePrefix();
const cipher = SecretCipher.fromEnvironment({ NODE_ENV: 'test' });

beforeAll(async () => {
  dovecot = await startDovecot({ users });
  database = await createTestDatabase();
  orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 2 }));
  await runMigrations(orm);

  // appConfig() reads the environment once per process (vitest gives each file its own process).
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    FETCH_BATCH_SIZE: '2',
    // Only the start-up pass runs by itself; the tests call reconcile() when they want one.
    FETCH_RECONCILE_SECONDS: '3600',
  });
  const { AppModule } = await import('./app.module.js');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication();
  await app.init();
  sweeper = app.get((await import('./captured-inbound.sweeper.js')).CapturedInboundSweeper);
  reconciler = app.get((await import('./fetch-schedule.reconciler.js')).FetchScheduleReconciler);
  fetchQueue = app.get(getQueueToken(QueueName.MailFetch));
  inboundQueue = app.get(getQueueToken(QueueName.InboundProcess));
  fetchEvents = new QueueEvents(QueueName.MailFetch, {
    connection: redisConnectionOptions(testRedisUrl()),
    prefix,
  });
  await fetchEvents.waitUntilReady();
});

afterAll(async () => {
  await app?.close();
  await fetchEvents?.close();
  await orm?.close();
  await database?.drop();
  await deleteRedisKeys(testRedisUrl(), prefix);
  await dovecot?.stop();
});

interface TestMailbox {
  id: number;
  settings: ImapConnectionSettings;
}

async function createMailbox(
  options: { activeType?: boolean; password?: string } = {},
): Promise<TestMailbox> {
  const { user, password } = users[nextUser++];
  const em = orm.em.fork();
  const mailbox = new Mailbox({
    name: `Support ${user}`,
    kind: MailboxKind.Imap,
    host: dovecot.host,
    port: dovecot.imapPort,
    security: MailboxSecurity.StartTls,
    username: user,
  });
  mailbox.passwordEncrypted = cipher.encrypt(options.password ?? password);
  mailbox.trustedCaPem = dovecot.caCertPem;
  const type = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support',
    emailTo: `${user}@example.com`,
    workflowTag: 'Support',
    mailbox,
    adminEmail: 'admin@example.com',
  });
  type.active = options.activeType ?? true;
  await em.persistAndFlush([mailbox, type]);
  return {
    id: mailbox.id,
    settings: {
      host: dovecot.host,
      port: dovecot.imapPort,
      security: 'starttls',
      auth: { kind: 'password', user, password },
      trustedCaPem: dovecot.caCertPem,
    },
  };
}

async function append(settings: ImapConnectionSettings, messages: Buffer[]): Promise<number[]> {
  return withImapSession(settings, async (session) => {
    const uids: number[] = [];
    for (const message of messages) {
      const appended = await session.client.append('INBOX', message);
      if (appended === false || appended.uid === undefined) throw new Error('APPEND gave no UID');
      uids.push(appended.uid);
    }
    return uids;
  });
}

async function uidValidityOf(settings: ImapConnectionSettings): Promise<string> {
  return withImapSession(settings, async (session) =>
    (await session.client.mailboxOpen('INBOX')).uidValidity.toString(),
  );
}

type JobEnd = { state: 'completed'; outcome: FetchOutcome } | { state: 'failed'; reason: string };

/** "Fetch now" through the queue, as staff would; resolves when the worker finished the job. */
async function runFetchJob(mailboxId: number): Promise<JobEnd> {
  const id = jobId.fetchMailboxNow(mailboxId);
  const ended = new Promise<JobEnd>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`job ${id} did not finish`)), 30_000);
    const onCompleted = ({ jobId: finished, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      if (finished !== id) return;
      done();
      const outcome = (
        typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue
      ) as FetchOutcome;
      resolve({ state: 'completed', outcome });
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

async function rowsOf(mailboxId: number): Promise<InboundMessage[]> {
  return orm.em
    .fork()
    .find(InboundMessage, { mailbox: mailboxId }, { populate: ['raw'], orderBy: { id: 'asc' } });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('mail.fetch', () => {
  it('captures every message, empties INBOX, enqueues inbound.process and records health', async () => {
    const box = await createMailbox();
    const fixtures = FIXTURES.map((name) => readMailFixture(name));
    await append(box.settings, fixtures);
    const capturedBefore = (await messagesCapturedTotal.get()).values[0]?.value ?? 0;

    const end = await runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: {
        status: 'done',
        result: { seen: 5, captured: 5, alreadyCaptured: 0, deleted: 5 },
        enqueued: 5,
      },
    });
    const rows = await rowsOf(box.id);
    expect(rows.map((row) => row.sha256)).toEqual(fixtures.map(sha256));
    expect(rows.map((row) => row.size)).toEqual(fixtures.map((bytes) => bytes.length));
    expect(rows.map((row) => row.raw)).toEqual(fixtures);
    expect(rows.every((row) => row.state === InboundState.Captured && !row.truncated)).toBe(true);
    expect(await verifyImapConnection(box.settings)).toEqual({ messages: 0 });

    for (const row of rows) {
      const job = await inboundQueue.getJob(jobId.inbound(row.id));
      expect(job?.data).toEqual({ inboundMessageId: row.id });
    }

    const mailbox = await orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox.lastFetchStartedAt).toBeInstanceOf(Date);
    expect(mailbox.lastFetchFinishedAt).toBeInstanceOf(Date);
    expect(mailbox.lastSuccessAt).toBeInstanceOf(Date);
    expect(mailbox.lastFetchCapturedCount).toBe(5);
    expect(mailbox.consecutiveFailures).toBe(0);
    expect(mailbox.lastError).toBeNull();
    expect((await messagesCapturedTotal.get()).values[0]?.value).toBe(capturedBefore + 5);
  });

  it('after a crash between capture and delete: no duplicate rows, messages deleted, pending ones enqueued', async () => {
    const box = await createMailbox();
    const fixtures = FIXTURES.slice(0, 3).map((name) => readMailFixture(name));
    const uids = await append(box.settings, fixtures);
    const uidValidity = await uidValidityOf(box.settings);
    // What a crashed run leaves behind: rows committed, messages still on the server, no jobs.
    const em = orm.em.fork();
    const mailbox = await em.findOneOrFail(Mailbox, box.id);
    const earlier = [0, 1].map(
      (i) =>
        new InboundMessage({
          mailbox,
          remoteId: `${uidValidity}:${uids[i]}`,
          raw: fixtures[i],
          size: fixtures[i].length,
          truncated: false,
          sha256: sha256(fixtures[i]),
        }),
    );
    earlier[1].state = InboundState.Processed; // already turned into a ticket: delete it, do not process again
    await em.persistAndFlush(earlier);

    const end = await runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: {
        status: 'done',
        result: { seen: 3, captured: 1, alreadyCaptured: 2, deleted: 3 },
        enqueued: 2,
      },
    });
    const rows = await rowsOf(box.id);
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.remoteId)).toEqual(uids.map((uid) => `${uidValidity}:${uid}`));
    expect(await verifyImapConnection(box.settings)).toEqual({ messages: 0 });
    expect(await inboundQueue.getJob(jobId.inbound(rows[0].id))).toBeDefined();
    expect(await inboundQueue.getJob(jobId.inbound(rows[1].id))).toBeUndefined();
    expect(await inboundQueue.getJob(jobId.inbound(rows[2].id))).toBeDefined();

    // And once more with nothing left: still no new rows.
    const again = await runFetchJob(box.id);
    expect(again).toMatchObject({ state: 'completed', outcome: { status: 'done', result: { seen: 0 } } });
    expect(await rowsOf(box.id)).toHaveLength(3);
  });

  it('records a refused login on the mailbox without the password, and fails the job', async () => {
    const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
    const box = await createMailbox({ password: wrongPassword });

    const end = await runFetchJob(box.id);

    expect(end.state).toBe('failed');
    const reason = end.state === 'failed' ? end.reason : '';
    expect(reason).toContain('[AUTHENTICATIONFAILED] Authentication failed.');
    expect(reason).not.toContain(wrongPassword);
    const mailbox = await orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox.consecutiveFailures).toBe(1);
    expect(mailbox.lastError).toContain('[AUTHENTICATIONFAILED]');
    expect(mailbox.lastError).not.toContain(wrongPassword);
    expect(mailbox.lastSuccessAt).toBeNull();
  });

  it('does not fetch a mailbox without an active ticket type', async () => {
    const box = await createMailbox({ activeType: false });
    await append(box.settings, [readMailFixture(FIXTURES[0])]);

    const end = await runFetchJob(box.id);

    expect(end).toEqual({
      state: 'completed',
      outcome: { status: 'skipped', reason: 'no active ticket type' },
    });
    expect(await verifyImapConnection(box.settings)).toEqual({ messages: 1 });
    expect(await rowsOf(box.id)).toHaveLength(0);
  });

  it('finishes with "already fetching" while another fetch holds the mailbox lock', async () => {
    const box = await createMailbox();
    await append(box.settings, [readMailFixture(FIXTURES[0])]);
    const held = await MailboxFetchLock.tryAcquire(database.url, box.id);
    expect(held).not.toBeNull();
    try {
      expect(await MailboxFetchLock.tryAcquire(database.url, box.id)).toBeNull();
      const end = await runFetchJob(box.id);
      expect(end).toEqual({ state: 'completed', outcome: { status: 'already-fetching' } });
      expect(await verifyImapConnection(box.settings)).toEqual({ messages: 1 });
    } finally {
      await held?.release();
    }
    const end = await runFetchJob(box.id);
    expect(end).toMatchObject({ state: 'completed', outcome: { status: 'done', result: { captured: 1 } } });
  });
});

describe('sweeper', () => {
  it('enqueues rows left in "captured" for more than a minute, and only those', async () => {
    const box = await createMailbox();
    const em = orm.em.fork();
    const mailbox = await em.findOneOrFail(Mailbox, box.id);
    const raw = readMailFixture(FIXTURES[0]);
    const [stale, fresh] = ['stale', 'fresh'].map(
      (name) =>
        new InboundMessage({
          mailbox,
          remoteId: `1:${name}`,
          raw,
          size: raw.length,
          truncated: false,
          sha256: sha256(raw),
        }),
    );
    stale.capturedAt = new Date(Date.now() - 5 * 60_000);
    await em.persistAndFlush([stale, fresh]);

    expect(await sweeper.sweep()).toBeGreaterThanOrEqual(1);

    expect((await inboundQueue.getJob(jobId.inbound(stale.id)))?.data).toEqual({
      inboundMessageId: stale.id,
    });
    expect(await inboundQueue.getJob(jobId.inbound(fresh.id))).toBeUndefined();
  });
});

describe('fetch schedules', () => {
  // Last in the file: schedulers start fetch jobs for every qualifying mailbox made above.
  it('follow the mailboxes with active types and the email-processing setting at run time', async () => {
    const box = await createMailbox();
    const every = async (mailboxId: number) =>
      (await fetchQueue.getJobScheduler(jobId.fetchScheduler(mailboxId)))?.every;

    const first = await reconciler.reconcile();
    expect(first.upserted).toContain(box.id);
    expect(await every(box.id)).toBe(600_000);
    expect((await reconciler.reconcile()).upserted).toEqual([]); // unchanged schedulers are left alone

    const em = orm.em.fork();
    const setting = await em.findOneOrFail(BackgroundTaskSetting, {
      name: BackgroundTaskName.EmailProcessing,
    });
    setting.intervalSeconds = 120;
    await em.flush();
    await reconciler.reconcile();
    expect(await every(box.id)).toBe(120_000);

    const type = await em.findOneOrFail(TicketType, { mailbox: box.id });
    type.active = false;
    await em.flush();
    expect((await reconciler.reconcile()).removed).toContain(box.id);
    expect(await every(box.id)).toBeUndefined();
    type.active = true;
    await em.flush();
    await reconciler.reconcile();
    expect(await every(box.id)).toBe(120_000);

    setting.enabled = false;
    await em.flush();
    await reconciler.reconcile();
    const left = (await fetchQueue.getJobSchedulers(0, -1)).filter((scheduler) =>
      scheduler.key.startsWith('mailbox-'),
    );
    expect(left).toEqual([]);
  });
});
