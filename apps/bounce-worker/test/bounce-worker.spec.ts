import 'reflect-metadata';

import { createHash } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Bounce,
  Contact,
  EmailPurpose,
  EmailQueue,
  EmailStatus,
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
import { createQueue, enqueueBounceProcess, jobId, QueueName } from '@twe/queues';
import {
  buildAutoReply,
  buildDeliveryStatusNotification,
  createTestDatabase,
  deleteRedisKeys,
  testRedisUrl,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@twe/testing';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The bounce-worker in process on a real PostgreSQL and Redis: jobs go through BullMQ to the
 * processor, which writes bounce rows. Messages are put into inbound_message directly (the fetcher's
 * and the ticket-processor's parts are covered end to end in test/e2e/bounces.e2e.spec.ts).
 */

const BOUNCE_DOMAIN = 'bounce.example.com';
let database: TestDatabase;
let prefix: string;
let app: INestApplication;
let orm: MikroORM;
let bounceQueue: Queue;
let mailbox: Mailbox;
let seq = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = uniqueQueuePrefix();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    HTTP_PORT: '0',
  });
  const migrator = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
  await runMigrations(migrator);
  await migrator.close();
  // Imported only now: declaring the app's modules reads the configuration, which must be set first.
  const { AppModule } = await import('../src/app.module.js');
  app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await app.init();
  orm = app.get(MikroORM);
  bounceQueue = createQueue(QueueName.BounceProcess, { redisUrl: testRedisUrl(), prefix });

  const em = orm.em.fork();
  mailbox = new Mailbox({
    name: 'Bounces',
    kind: MailboxKind.Imap,
    host: '127.0.0.1',
    port: 143,
    security: MailboxSecurity.None,
    username: `bounces@${BOUNCE_DOMAIN}`,
  });
  const type = new TicketType({
    task: TicketTask.BounceBack,
    name: 'Bounces',
    emailTo: `bounces@${BOUNCE_DOMAIN}`,
    workflowTag: 'Bounce',
    mailbox,
    adminEmail: 'postmaster@example.com',
  });
  await em.persist([mailbox, type, new Contact('alice@customer.example', 'Alice')]).flush();
});

afterAll(async () => {
  await app?.close();
  await bounceQueue?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(testRedisUrl(), prefix);
});

async function sentEmail(to: string): Promise<EmailQueue> {
  const em = orm.em.fork();
  const email = new EmailQueue({
    purpose: EmailPurpose.Notification,
    fromAddress: '"Support" <support@helpdesk.example.com>',
    toAddresses: to,
    subject: `[Support #1-${++seq}] Printer`,
    messageId: `<bw-${seq}-${Date.now()}@twe.example.com>`,
  });
  email.status = EmailStatus.Sent;
  email.sentAt = new Date();
  await em.persist(email).flush();
  return email;
}

async function capture(raw: Buffer): Promise<number> {
  const em = orm.em.fork();
  const inbound = new InboundMessage({
    mailbox: em.getReference(Mailbox, mailbox.id),
    remoteId: `1:${++seq}`,
    raw,
    size: raw.length,
    truncated: false,
    sha256: createHash('sha256').update(raw).digest('hex'),
  });
  await em.persist(inbound).flush();
  return inbound.id;
}

async function processJob(inboundMessageId: number): Promise<unknown> {
  await enqueueBounceProcess(bounceQueue, { inboundMessageId });
  const deadline = Date.now() + 20_000;
  for (;;) {
    // State first, then the job: a job read before it finished keeps its old (null) return value
    // even once getState() says `completed`.
    const state = await bounceQueue.getJobState(jobId.bounce(inboundMessageId));
    if (state === 'completed' || state === 'failed') {
      const job = await bounceQueue.getJob(jobId.bounce(inboundMessageId));
      if (state === 'completed') return job!.returnvalue;
      throw new Error(`bounce job failed: ${job!.failedReason}`);
    }
    if (Date.now() > deadline) throw new Error(`bounce job still ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const bouncesOf = (inboundMessageId: number) =>
  orm.em.fork().find(Bounce, { inboundMessage: inboundMessageId }, { orderBy: { id: 'asc' } });
const emailRow = (id: number) => orm.em.fork().findOneOrFail(EmailQueue, id);
const contact = (email: string) => orm.em.fork().findOneOrFail(Contact, { email });

describe('bounce.process', () => {
  it('links a DSN sent to our VERP return path to the email row even when it quotes nothing', async () => {
    const email = await sentEmail('alice@customer.example');
    const inboundId = await capture(
      buildDeliveryStatusNotification({
        id: 'verp1',
        to: `bounces+${email.id}@${BOUNCE_DOMAIN}`,
        failures: [
          {
            recipient: 'Alice@Customer.example',
            status: '5.1.1',
            diagnostic: '550 5.1.1 <alice@customer.example>: Recipient address rejected: User unknown',
          },
        ],
      }),
    );
    expect(await processJob(inboundId)).toMatchObject({ result: 'bounce', emailQueueId: email.id });

    const [bounce] = await bouncesOf(inboundId);
    expect(bounce).toMatchObject({
      kind: 'bounce',
      source: 'dsn',
      recipient: 'alice@customer.example',
      status: '5.1.1',
      replyCode: '550',
      reason: 'userunknown',
      hardBounce: true,
      reportingMta: 'mx1.recipient.example.net',
      emailMatchedBy: 'verp',
      resolvedAt: null,
    });
    expect(bounce.emailQueue?.id).toBe(email.id);
    expect(bounce.diagnostic).toContain('Recipient address rejected');
    const row = await emailRow(email.id);
    expect(row.status).toBe(EmailStatus.Bounced);
    expect(row.bouncedAt).toBeInstanceOf(Date);
    const alice = await contact('alice@customer.example');
    expect(alice.undeliverableSince).toBeInstanceOf(Date);
    expect(alice.undeliverableReason).toBe(`Hard bounce #${bounce.id}: userunknown (5.1.1 550)`);
    const inbound = await orm.em.fork().findOneOrFail(InboundMessage, inboundId);
    expect(inbound.state).toBe(InboundState.Processed);
  });

  it.each([
    {
      situation: 'the quoted Message-ID, when the DSN went to the bounce address itself',
      by: 'message-id',
      build: (email: EmailQueue) =>
        buildDeliveryStatusNotification({
          id: `mid-${email.id}`,
          to: `bounces@${BOUNCE_DOMAIN}`,
          failures: [{ recipient: email.toAddresses, status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full' }],
          original: {
            messageId: email.messageId,
            subject: email.subject,
            from: email.fromAddress,
            to: email.toAddresses,
          },
        }),
    },
    {
      situation: 'a quoted X-TWE-Email-Id header when the Message-ID was rewritten',
      by: 'x-twe-header',
      build: (email: EmailQueue) =>
        buildDeliveryStatusNotification({
          id: `hdr-${email.id}`,
          to: `bounces@${BOUNCE_DOMAIN}`,
          failures: [{ recipient: email.toAddresses, status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full' }],
          original: {
            messageId: '<rewritten-by-a-relay@relay.example.net>',
            subject: email.subject,
            from: email.fromAddress,
            to: email.toAddresses,
            extraHeaders: [`X-TWE-Email-Id: ${email.id}`],
          },
        }),
    },
  ])('finds the email row by $situation', async ({ by, build }) => {
    const email = await sentEmail(`bob${seq}@customer.example`);
    const inboundId = await processAndReturnId(build(email));
    const [bounce] = await bouncesOf(inboundId);
    expect(bounce).toMatchObject({ emailMatchedBy: by, reason: 'mailboxfull', hardBounce: false });
    expect(bounce.emailQueue?.id).toBe(email.id);
    expect((await emailRow(email.id)).status).toBe(EmailStatus.Bounced);
  });

  it('pins a bounce that names no recipient on the address its VERP-matched email went to', async () => {
    const email = await sentEmail('carol@customer.example');
    // A bare non-delivery notice: no report part, no quoted original, no address in the text.
    const raw = Buffer.from(
      [
        `Delivered-To: bounces+${email.id}@${BOUNCE_DOMAIN}`,
        'From: MAILER-DAEMON@mx9.customer.example',
        `To: bounces+${email.id}@${BOUNCE_DOMAIN}`,
        'Subject: Undeliverable mail',
        'Message-ID: <ndr-bare@mx9.customer.example>',
        'Auto-Submitted: auto-replied',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Your message could not be delivered. The mail system gave up.',
        '',
      ].join('\r\n'),
    );
    const inboundId = await capture(raw);
    // The parser reads it as a bounce (MAILER-DAEMON, "could not be delivered") without a recipient.
    expect(await processJob(inboundId)).toMatchObject({ result: 'bounce', emailQueueId: email.id });
    const rows = await bouncesOf(inboundId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'bounce',
      recipient: 'carol@customer.example',
      emailMatchedBy: 'verp',
    });
    expect(rows[0].diagnostic).toBe(
      'The bounce names no recipient; this is the address the email was sent to',
    );
  });

  it('records one row per failed recipient and leaves contacts of soft bounces deliverable', async () => {
    const email = await sentEmail('carol@customer.example, dave@customer.example');
    await orm.em
      .fork()
      .persist([new Contact('carol@customer.example', null), new Contact('dave@customer.example', null)])
      .flush();
    const inboundId = await processAndReturnId(
      buildDeliveryStatusNotification({
        id: 'two',
        to: `bounces+${email.id}@${BOUNCE_DOMAIN}`,
        failures: [
          { recipient: 'carol@customer.example', status: '5.1.1', diagnostic: '550 5.1.1 User unknown' },
          { recipient: 'dave@customer.example', status: '4.2.2', diagnostic: '452 4.2.2 Over quota' },
        ],
      }),
    );
    const rows = await bouncesOf(inboundId);
    expect(rows.map((row) => [row.recipient, row.reason, row.hardBounce])).toEqual([
      ['carol@customer.example', 'userunknown', true],
      ['dave@customer.example', 'mailboxfull', false],
    ]);
    expect((await contact('carol@customer.example')).undeliverableSince).toBeInstanceOf(Date);
    expect((await contact('dave@customer.example')).undeliverableSince).toBeNull();
  });

  it('processes a repeated job once (idempotent)', async () => {
    const email = await sentEmail('erin@customer.example');
    const raw = buildDeliveryStatusNotification({
      id: 'again',
      to: `bounces+${email.id}@${BOUNCE_DOMAIN}`,
      failures: [{ recipient: 'erin@customer.example', status: '5.1.1', diagnostic: '550 5.1.1 unknown' }],
    });
    const inboundId = await processAndReturnId(raw);
    // A second job for the same message (BullMQ delivers at least once): the row is already processed.
    await (await bounceQueue.getJob(jobId.bounce(inboundId)))!.remove();
    expect(await processJob(inboundId)).toMatchObject({ result: 'skipped', bounceIds: [] });
    expect(await bouncesOf(inboundId)).toHaveLength(1);
  });

  it('records an auto-reply in the bounce mailbox as an auto-reply, not a bounce', async () => {
    const email = await sentEmail('frank@customer.example');
    await orm.em.fork().persist(new Contact('frank@customer.example', 'Frank')).flush();
    const inboundId = await processAndReturnId(
      buildAutoReply({
        id: 'ooo',
        from: '"Frank" <frank@customer.example>',
        to: `bounces+${email.id}@${BOUNCE_DOMAIN}`,
        subject: email.subject,
      }),
    );
    const rows = await bouncesOf(inboundId);
    expect(rows.map((row) => [row.kind, row.recipient, row.reason, row.hardBounce])).toEqual([
      ['auto-reply', 'frank@customer.example', 'vacation', false],
    ]);
    expect(rows[0].emailQueue?.id).toBe(email.id);
    expect((await emailRow(email.id)).status).toBe(EmailStatus.Sent);
    expect((await contact('frank@customer.example')).undeliverableSince).toBeNull();
  });

  it.each([
    [
      'a normal message',
      Buffer.from(
        'From: someone@example.net\r\nTo: bounces@bounce.example.com\r\nSubject: hello\r\n\r\nHi!\r\n',
      ),
      'not-bounce',
      'someone@example.net',
    ],
    ['bytes that are no message at all', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]), 'not-bounce', ''],
  ])('keeps %s as a not-bounce row instead of failing', async (_situation, raw, kind, recipient) => {
    const inboundId = await processAndReturnId(raw);
    const rows = await bouncesOf(inboundId);
    expect(rows.map((row) => [row.kind, row.recipient, row.emailQueue])).toEqual([[kind, recipient, null]]);
  });

  it('answers `missing` for a message that does not exist', async () => {
    expect(await processJob(987_654)).toMatchObject({ result: 'missing' });
  });

  async function processAndReturnId(raw: Buffer): Promise<number> {
    const inboundId = await capture(raw);
    await processJob(inboundId);
    return inboundId;
  }
});
