import { createHash, randomBytes } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SecretCipher } from '@twe/config';
import { withImapSession, type ImapConnectionSettings, type Pop3ConnectionSettings } from '@twe/mail';
import {
  InboundMessage,
  Mailbox,
  ormConfig,
  runMigrations,
  TicketTask,
  TicketType,
  type MailboxKind,
  type MailboxSecurity,
} from '@twe/persistence';
import { enqueueFetchNow, jobId, QueueName, redisConnectionOptions } from '@twe/queues';
import {
  createTestDatabase,
  deleteRedisKeys,
  testRedisUrl,
  uniqueQueuePrefix,
  type DovecotServer,
  type DovecotUser,
  type TestDatabase,
} from '@twe/testing';
import { QueueEvents, type Queue } from 'bullmq';
import { Logger as PinoLogger } from 'nestjs-pino';

import type { FetchOutcome } from '../src/mailbox-fetch.service';

/**
 * The mail-fetcher app in the test's own process, on a fresh migrated database and its own Redis
 * prefix, plus the steps its spec files share (a mailbox with a ticket type, "fetch now", captured rows).
 */

// CRLF-only fixtures: Dovecot returns them byte for byte, so hashes can be compared with the files.
export const CRLF_FIXTURES = [
  'imaptools-example13.eml',
  'imaptools-example14.eml',
  'enmime-non-mime-html.eml',
  'imaptools-utf8_headers.eml',
  'mmp-m0001.eml',
];

/** The key the app under test decrypts mailbox secrets with (NODE_ENV=test). */
export const testCipher = SecretCipher.fromEnvironment({ NODE_ENV: 'test' });

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** `count` Dovecot users named by `name`, each with its own random password. */
export function dovecotUsers(count: number, name: (index: number) => string): DovecotUser[] {
  return Array.from({ length: count }, (_, i) => ({
    user: name(i),
    password: `pw-${randomBytes(6).toString('hex')}`,
  }));
}

/** A password login straight to the test Dovecot (trusting its CA): for filling and checking a mailbox. */
export function dovecotLogin(
  dovecot: DovecotServer,
  login: DovecotUser,
  endpoint: { port: number; security: 'starttls' | 'tls' },
): ImapConnectionSettings & Pop3ConnectionSettings {
  return {
    host: dovecot.host,
    port: endpoint.port,
    security: endpoint.security,
    auth: { kind: 'password', user: login.user, password: login.password },
    trustedCaPem: dovecot.caCertPem,
  };
}

/** APPENDs the messages to INBOX over IMAP; returns their UIDs. */
export async function appendToInbox(settings: ImapConnectionSettings, messages: Buffer[]): Promise<number[]> {
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

export type JobEnd = { state: 'completed'; outcome: FetchOutcome } | { state: 'failed'; reason: string };

export interface MailboxWithTypeOptions {
  /** The row's connection fields, as the Mailbox constructor takes them. */
  fields: ConstructorParameters<typeof Mailbox>[0];
  /** Stored encrypted with the test key, as the gateway stores it. */
  password?: string;
  trustedCaPem: string;
  /** The ticket type's address; the fetcher fetches only mailboxes that have an active type. */
  emailTo: string;
  adminEmail?: string;
  activeType?: boolean;
  /** More columns (e.g. the OAuth settings) set before the row is saved. */
  configure?: (mailbox: Mailbox) => void;
}

/** A password mailbox on the test Dovecot: what differs between the spec files' mailboxes. */
export interface DovecotMailboxOptions {
  kind: MailboxKind;
  port: number;
  security: MailboxSecurity;
  emailTo: string;
  /** `Support <user>` unless told. */
  name?: string;
  /** The login's own password unless told (a wrong one, to see a refused login). */
  password?: string;
  activeType?: boolean;
}

export interface FetcherHarnessOptions {
  /** Set after the harness defaults (e.g. FETCH_BATCH_SIZE, LOG_LEVEL, timeouts). */
  env?: Record<string, string>;
  /** Log through nestjs-pino as production does, so captured output holds the real lines. */
  productionLogger?: boolean;
}

export interface FetcherHarness {
  database: TestDatabase;
  orm: MikroORM;
  app: INestApplication;
  prefix: string;
  fetchQueue: Queue;
  inboundQueue: Queue;
  /** A mailbox row with a `SimpleStorage` ticket type (active unless told). */
  createMailboxWithType(options: MailboxWithTypeOptions): Promise<Mailbox>;
  /** The same for `login` on the test Dovecot, its CA trusted. */
  createDovecotMailbox(
    dovecot: DovecotServer,
    login: DovecotUser,
    options: DovecotMailboxOptions,
  ): Promise<Mailbox>;
  /** "Fetch now" through the queue, as staff would; resolves when the worker finished the job. */
  runFetchJob(mailboxId: number, options?: { timeoutMs?: number }): Promise<JobEnd>;
  /** The mailbox's inbound_message rows with their raw bytes, in capture order. */
  capturedRows(mailboxId: number): Promise<InboundMessage[]>;
  /** The mailbox row as stored now (its fetch health). */
  reloadMailbox(mailboxId: number): Promise<Mailbox>;
  close(): Promise<void>;
}

/** Starts the fetcher app in this process; on a failed start it removes what it had made. */
export async function startFetcherHarness(options: FetcherHarnessOptions = {}): Promise<FetcherHarness> {
  const prefix = uniqueQueuePrefix();
  let database: TestDatabase | undefined;
  let orm: MikroORM | undefined;
  let app: INestApplication | undefined;
  let fetchEvents: QueueEvents | undefined;
  const close = async () => {
    await app?.close();
    await fetchEvents?.close();
    await orm?.close();
    await database?.drop();
    await deleteRedisKeys(testRedisUrl(), prefix);
  };
  try {
    database = await createTestDatabase();
    orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 2 }));
    await runMigrations(orm);
    app = await startApp(database, prefix, options);
    fetchEvents = new QueueEvents(QueueName.MailFetch, {
      connection: redisConnectionOptions(testRedisUrl()),
      prefix,
    });
    await fetchEvents.waitUntilReady();
    return harnessOver({ database, orm, app, prefix, fetchEvents, close });
  } catch (error) {
    // The start's own error is the one to see; a failing clean-up after it must not hide it.
    await close().catch(() => undefined);
    throw error;
  }
}

interface StartedParts {
  database: TestDatabase;
  orm: MikroORM;
  app: INestApplication;
  prefix: string;
  fetchEvents: QueueEvents;
  close(): Promise<void>;
}

function harnessOver({ database, orm, app, prefix, fetchEvents, close }: StartedParts): FetcherHarness {
  const fetchQueue = app.get<Queue>(getQueueToken(QueueName.MailFetch));
  return {
    database,
    orm,
    app,
    prefix,
    fetchQueue,
    inboundQueue: app.get<Queue>(getQueueToken(QueueName.InboundProcess)),
    createMailboxWithType: (options) => createMailboxWithType(orm, options),
    createDovecotMailbox: (dovecot, login, options) =>
      createMailboxWithType(orm, {
        fields: {
          name: options.name ?? `Support ${login.user}`,
          kind: options.kind,
          host: dovecot.host,
          port: options.port,
          security: options.security,
          username: login.user,
        },
        password: options.password ?? login.password,
        trustedCaPem: dovecot.caCertPem,
        emailTo: options.emailTo,
        activeType: options.activeType,
      }),
    async runFetchJob(mailboxId, { timeoutMs = 30_000 } = {}) {
      const ended = waitForFetchJob(fetchEvents, jobId.fetchMailboxNow(mailboxId), timeoutMs);
      await enqueueFetchNow(fetchQueue, mailboxId);
      return ended;
    },
    capturedRows: (mailboxId) =>
      orm.em
        .fork()
        .find(InboundMessage, { mailbox: mailboxId }, { populate: ['raw'], orderBy: { id: 'asc' } }),
    reloadMailbox: (mailboxId) => orm.em.fork().findOneOrFail(Mailbox, mailboxId),
    close,
  };
}

async function startApp(
  database: TestDatabase,
  prefix: string,
  options: FetcherHarnessOptions,
): Promise<INestApplication> {
  // appConfig() reads the environment once per process (vitest gives each file its own process).
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    // Only the start-up pass runs by itself; tests call reconcile() when they want one.
    FETCH_RECONCILE_SECONDS: '3600',
    ...options.env,
  });
  // Loaded only now: importing @twe/runtime reads appConfig() (its DatabaseModule's factory runs at
  // import), which caches the configuration per process.
  const { AppModule } = await import('../src/app.module.js');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: options.productionLogger ?? false });
  if (options.productionLogger) app.useLogger(app.get(PinoLogger));
  await app.init();
  return app;
}

async function createMailboxWithType(orm: MikroORM, options: MailboxWithTypeOptions): Promise<Mailbox> {
  const em = orm.em.fork();
  const mailbox = new Mailbox(options.fields);
  if (options.password !== undefined) mailbox.passwordEncrypted = testCipher.encrypt(options.password);
  mailbox.trustedCaPem = options.trustedCaPem;
  options.configure?.(mailbox);
  const type = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support',
    emailTo: options.emailTo,
    workflowTag: 'Support',
    mailbox,
    adminEmail: options.adminEmail ?? 'admin@example.com',
  });
  type.active = options.activeType ?? true;
  await em.persistAndFlush([mailbox, type]);
  return mailbox;
}

/** Resolves with the end of job `id` as QueueEvents reports it (listening starts before it is enqueued). */
function waitForFetchJob(events: QueueEvents, id: string, timeoutMs: number): Promise<JobEnd> {
  return new Promise<JobEnd>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`job ${id} did not finish`)), timeoutMs);
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
      events.off('completed', onCompleted);
      events.off('failed', onFailed);
    };
    events.on('completed', onCompleted);
    events.on('failed', onFailed);
  });
}
