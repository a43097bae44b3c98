import 'reflect-metadata';

import { createHash } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Attachment,
  Contact,
  EmailPurpose,
  EmailQueue,
  EmailStatus,
  InboundMessage,
  InboundState,
  LogDirection,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
  Ticket,
  TicketKind,
  TicketLog,
  TicketStatus,
  TicketTask,
  TicketType,
  ormConfig,
  runMigrations,
} from '@twe/persistence';
import {
  createQueue,
  enqueueInboundProcess,
  enqueueOutboundSend,
  jobId,
  QueueName,
  redisConnectionOptions,
} from '@twe/queues';
import {
  createTestDatabase,
  deleteRedisKeys,
  mailExpectations,
  readMailFixture,
  testRedisUrl,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@twe/testing';
import { Worker, type Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { OutboundRequeueSweeper } from '../src/outbound-requeue.sweeper';
import type { ProcessInboundMessageService } from '../src/process-inbound-message.service';

const MESSAGE_ID_DOMAIN = 'twe.test';
const SIZE_LIMIT = 26_214_400;

let database: TestDatabase;
let prefix: string;
let app: INestApplication;
let orm: MikroORM;
let inboundQueue: Queue;
let outboundQueue: Queue;
let mailbox: Mailbox;
let support: TicketType;
let sales: TicketType;
let adminContact: Contact;
let remoteSeq = 0;
let processService: ProcessInboundMessageService;
let sweeper: OutboundRequeueSweeper;

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = uniqueQueuePrefix();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    MESSAGE_ID_DOMAIN,
    FETCH_MAX_MESSAGE_BYTES: String(SIZE_LIMIT),
  });
  const migrator = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
  await runMigrations(migrator);
  await migrator.close();

  // Imported only now: declaring the app's modules reads the configuration (appConfig() caches the
  // environment of the moment), so the environment above must be in place first.
  const { AppModule } = await import('../src/app.module.js');
  app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await app.init();
  processService = app.get(
    (await import('../src/process-inbound-message.service.js')).ProcessInboundMessageService,
  );
  sweeper = app.get((await import('../src/outbound-requeue.sweeper.js')).OutboundRequeueSweeper);
  orm = app.get(MikroORM);
  inboundQueue = createQueue(QueueName.InboundProcess, { redisUrl: testRedisUrl(), prefix });
  outboundQueue = createQueue(QueueName.OutboundSend, { redisUrl: testRedisUrl(), prefix });

  const em = orm.em.fork();
  mailbox = new Mailbox({
    name: 'Helpdesk',
    kind: MailboxKind.Imap,
    host: '127.0.0.1',
    port: 143,
    security: MailboxSecurity.None,
    username: 'support',
  });
  support = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support Desk',
    emailTo: 'Support@Helpdesk.Example.com',
    workflowTag: 'Support',
    mailbox,
    adminEmail: 'admin@helpdesk.example.com',
  });
  support.emailForward = 'forward@partner.example.net';
  sales = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Sales',
    emailTo: 'sales@helpdesk.example.com',
    workflowTag: 'Sales',
    mailbox,
    adminEmail: 'sales-lead@helpdesk.example.com',
  });
  const inactive = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Old',
    emailTo: 'blah@example.com',
    workflowTag: 'Old',
    mailbox,
    adminEmail: 'old@helpdesk.example.com',
  });
  inactive.active = false;
  adminContact = new Contact('admin@helpdesk.example.com', 'Helpdesk Admin');
  await em.persist([mailbox, support, sales, inactive, adminContact]).flush();
});

afterAll(async () => {
  await app?.close();
  await inboundQueue?.close();
  await outboundQueue?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(testRedisUrl(), prefix);
});

/** Stores a message as the fetcher would (raw bytes in inbound_message, state captured). */
async function capture(
  raw: Buffer,
  options: { size?: number; truncated?: boolean; mailbox?: Mailbox | null } = {},
): Promise<number> {
  const em = orm.em.fork();
  const row = new InboundMessage({
    mailbox: options.mailbox === undefined ? em.getReference(Mailbox, mailbox.id) : options.mailbox,
    remoteId: `test:${++remoteSeq}`,
    raw,
    size: options.size ?? raw.length,
    truncated: options.truncated ?? false,
    sha256: createHash('sha256').update(raw).digest('hex'),
  });
  await em.persist(row).flush();
  return row.id;
}

async function waitUntil<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs `inbound.process` for the row through the real worker and waits for the job to finish. */
async function runJob(inboundMessageId: number): Promise<void> {
  await enqueueInboundProcess(inboundQueue, { inboundMessageId });
  await waitUntil(async () => {
    const state = await (await inboundQueue.getJob(jobId.inbound(inboundMessageId)))?.getState();
    if (state === 'failed') throw new Error(`job for inbound ${inboundMessageId} failed`);
    return state === 'completed';
  });
}

async function captureAndRun(raw: Buffer, options?: Parameters<typeof capture>[1]): Promise<number> {
  const id = await capture(raw, options);
  await runJob(id);
  return id;
}

/** A real fixture as the MTA delivered it to the helpdesk (MTAs prepend Delivered-To). */
function deliveredTo(address: string, raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`Delivered-To: ${address}\r\n`), raw]);
}

/** Replaces text in a fixture byte-for-byte (latin1 keeps every other byte as it is). */
function edit(raw: Buffer, from: string | RegExp, to: string): Buffer {
  const text = raw.toString('latin1');
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`fixture does not contain ${String(from)}`);
  return Buffer.from(edited, 'latin1');
}

async function logsOf(inboundMessageId: number): Promise<TicketLog[]> {
  return orm.em
    .fork()
    .find(
      TicketLog,
      { inboundMessage: inboundMessageId },
      { populate: ['ticket', 'ticket.type', 'ticket.contact', 'receiverContact'], orderBy: { id: 'asc' } },
    );
}

async function emailsOf(log: TicketLog): Promise<EmailQueue[]> {
  return orm.em.fork().find(EmailQueue, { ticketLog: log.id }, { orderBy: { id: 'asc' } });
}

async function counts(): Promise<Record<string, number>> {
  const em = orm.em.fork();
  return {
    tickets: await em.count(Ticket),
    logs: await em.count(TicketLog),
    attachments: await em.count(Attachment),
    contacts: await em.count(Contact),
    emails: await em.count(EmailQueue),
  };
}

async function inboundRow(id: number): Promise<InboundMessage> {
  return orm.em.fork().findOneOrFail(InboundMessage, id);
}

describe('ticket-processor (inbound.process)', () => {
  let firstTicketId: number;
  let firstLogId: number;

  it('turns a new enquiry into a ticket with contact, log, attachments and two queued notifications', async () => {
    const expected = mailExpectations().find((record) => record.file === 'mmp-m0011.eml');
    const raw = deliveredTo('support@helpdesk.example.com', readMailFixture('mmp-m0011.eml'));
    const id = await captureAndRun(raw);

    const [log, ...others] = await logsOf(id);
    expect(others).toHaveLength(0);
    const ticket = log.ticket;
    expect(ticket).toMatchObject({
      kind: TicketKind.Normal,
      status: TicketStatus.New,
      subject: expected?.subject,
    });
    expect(ticket.type?.id).toBe(support.id);
    expect(ticket.contact?.email).toBe('doug@example.com');
    expect(ticket.contact?.name).toBe('Dave Sample');
    expect(log).toMatchObject({
      direction: LogDirection.Inbound,
      fromAddress: 'doug@example.com',
      messageId: expected?.message_id,
      receiverEmail: 'admin@helpdesk.example.com',
      receiverName: 'Support Desk',
    });
    expect(log.receiverContact?.id).toBe(adminContact.id);
    expect(log.bodyText).toContain('The Hare and the Tortoise');

    const attachments = await orm.em
      .fork()
      .find(Attachment, { ticketLog: log.id }, { populate: ['content'], orderBy: { id: 'asc' } });
    expect(attachments.map((attachment) => attachment.filename)).toEqual(expected?.attachment_filenames);
    for (const attachment of attachments) {
      expect(attachment.size).toBe(attachment.content.length);
      expect(attachment.sha256).toBe(createHash('sha256').update(attachment.content).digest('hex'));
    }

    const emails = await emailsOf(log);
    const tag = `[Support #${ticket.id}-${log.id}]`;
    expect(
      emails.map(({ purpose, toAddresses, subject, fromAddress, status }) => ({
        purpose,
        toAddresses,
        subject,
        fromAddress,
        status,
      })),
    ).toEqual([
      {
        purpose: EmailPurpose.Notification,
        toAddresses: 'admin@helpdesk.example.com',
        subject: `${tag} Test message from Microsoft Outlook 00`,
        fromAddress: '"Support Desk" <Support@Helpdesk.Example.com>',
        status: EmailStatus.Queued,
      },
      {
        purpose: EmailPurpose.Forward,
        toAddresses: 'forward@partner.example.net',
        subject: `${tag} Test message from Microsoft Outlook 00`,
        fromAddress: '"Support Desk" <Support@Helpdesk.Example.com>',
        status: EmailStatus.Queued,
      },
    ]);
    for (const email of emails) {
      expect(email.attachmentIds).toEqual(attachments.map((attachment) => attachment.id));
      expect(email.messageId).toMatch(/^<[0-9a-f-]{36}@twe\.test>$/);
      expect(email.inReplyTo).toBe(expected?.message_id);
      expect(email.references).toBe(expected?.message_id);
      expect(email.bodyText).toContain('From: Dave Sample <doug@example.com>');
      expect(email.bodyText).toContain('Date: Wed, 17 May 2000');
      expect(email.bodyText).toContain('The Hare and the Tortoise');
      expect(await outboundQueue.getJob(jobId.outbound(email.id))).toBeDefined();
    }
    expect((await inboundRow(id)).state).toBe(InboundState.Processed);
    firstTicketId = ticket.id;
    firstLogId = log.id;
  });

  it('adds a reply with a valid tag to the same ticket and reopens it', async () => {
    const em = orm.em.fork();
    await em.nativeUpdate(Ticket, { id: firstTicketId }, { status: TicketStatus.Resolved });
    // The customer of the first ticket answers (a tag from anyone else makes a new ticket).
    const raw = edit(
      edit(
        readMailFixture('syn-01-re-tag.eml'),
        /\[Support #123-789\]/g,
        `[Support #${firstTicketId}-${firstLogId}]`,
      ),
      /alice@example\.com/g,
      'doug@example.com',
    );
    const id = await captureAndRun(raw);

    const [log] = await logsOf(id);
    expect(log.ticket.id).toBe(firstTicketId);
    expect(log.ticket.status).toBe(TicketStatus.Open);
    expect(log.ticket.contact?.email).toBe('doug@example.com');
    expect(log.fromAddress).toBe('doug@example.com');
    const emails = await emailsOf(log);
    expect(emails.map((email) => email.subject)).toEqual([
      `[Support #${firstTicketId}-${log.id}] RE: Printer on floor 3 is jammed`,
      `[Support #${firstTicketId}-${log.id}] RE: Printer on floor 3 is jammed`,
    ]);
    expect(emails[0].bodyText).toContain(`New message on ticket #${firstTicketId}`);
    expect(emails[0].references).toBe(
      '<ticket-123-789.1@helpdesk.example.com> <syn-01-re-tag.reply@mail.example.org>',
    );
  });

  it('threads a reply without a tag by In-Reply-To to one of our notifications', async () => {
    const [notification] = await orm.em
      .fork()
      .find(EmailQueue, { ticket: firstTicketId }, { orderBy: { id: 'asc' }, limit: 1 });
    const raw = Buffer.from(
      [
        'From: Doug Sauder <doug@example.com>',
        'To: support@helpdesk.example.com',
        'Subject: Re: the printer (tag removed by my client)',
        'Message-ID: <threaded-by-reference@example.com>',
        `In-Reply-To: ${notification.messageId}`,
        `References: ${notification.messageId}`,
        'Date: Tue, 14 May 2024 10:00:00 +0200',
        '',
        'Any news?',
        '',
      ].join('\r\n'),
    );
    const [log] = await logsOf(await captureAndRun(raw));
    expect(log.ticket.id).toBe(firstTicketId);
  });

  it('does not trust a forged tag (a log of another ticket): a new ticket is made', async () => {
    const other = await logsOf(
      await captureAndRun(
        edit(
          readMailFixture('syn-10-bcc-only.eml'),
          '<syn-10-bcc@example.org>',
          '<other-ticket@example.org>',
        ),
      ),
    );
    const otherLogId = other[0].id;
    const raw = edit(
      readMailFixture('syn-09-forged-log-id.eml'),
      '[Support #123-999]',
      `[Support #${firstTicketId}-${otherLogId}]`,
    );
    const [log] = await logsOf(await captureAndRun(raw));
    expect(log.ticket.id).not.toBe(firstTicketId);
    expect(log.ticket.id).not.toBe(other[0].ticket.id);
    expect(log.ticket.kind).toBe(TicketKind.Normal);
    expect(log.ticket.contact?.email).toBe('mallory@example.net');
    const [email] = await emailsOf(log);
    expect(email.subject).toBe(`[Support #${log.ticket.id}-${log.id}] Re: Printer on floor 3 is jammed`);
  });

  it("does not accept another type's tag word for a ticket", async () => {
    const raw = edit(
      edit(
        readMailFixture('syn-01-re-tag.eml'),
        /\[Support #123-789\]/g,
        `[Sales #${firstTicketId}-${firstLogId}]`,
      ),
      'Message-ID: <syn-01-re-tag.reply@mail.example.org>',
      'Message-ID: <wrong-tag-word@mail.example.org>',
    );
    const [log] = await logsOf(await captureAndRun(raw));
    expect(log.ticket.id).not.toBe(firstTicketId);
    expect(log.ticket.type?.id).toBe(support.id);
  });

  it('finds the helpdesk in BCC through Delivered-To', async () => {
    const [log] = await logsOf(await captureAndRun(readMailFixture('syn-10-bcc-only.eml')));
    expect(log.ticket.type?.id).toBe(support.id);
    expect(log.ticket.contact?.email).toBe('frank@example.org');
    expect(await emailsOf(log)).toHaveLength(2);
  });

  it('makes one ticket per matched type when a message is sent to two types', async () => {
    const raw = Buffer.from(
      [
        'From: Ivy <ivy@example.org>',
        'To: support@helpdesk.example.com',
        'Cc: Sales <SALES@helpdesk.example.com>',
        'Subject: Quote and a problem',
        'Message-ID: <two-types@example.org>',
        '',
        'Both.',
        '',
      ].join('\r\n'),
    );
    const logs = await logsOf(await captureAndRun(raw));
    expect(logs.map((log) => log.ticket.type?.id).sort()).toEqual([support.id, sales.id].sort());
    const salesLog = logs.find((log) => log.ticket.type?.id === sales.id) as TicketLog;
    const salesEmails = await emailsOf(salesLog);
    expect(salesEmails.map((email) => [email.purpose, email.toAddresses, email.fromAddress])).toEqual([
      [EmailPurpose.Notification, 'sales-lead@helpdesk.example.com', '"Sales" <sales@helpdesk.example.com>'],
    ]);
    expect(salesEmails[0].subject).toBe(`[Sales #${salesLog.ticket.id}-${salesLog.id}] Quote and a problem`);
  });

  it('turns a message for no active type into an invalid ticket: sender as contact, files kept, no email', async () => {
    // Addressed to blah@example.com, the address of an inactive type.
    const before = await counts();
    const id = await captureAndRun(readMailFixture('imaptools-attachment_message_rfc822.eml'));
    const [log] = await logsOf(id);
    expect(log.ticket).toMatchObject({ kind: TicketKind.Invalid, type: null, subject: 'testing' });
    expect(log.ticket.contact?.email).toBe('foo@example.com');
    expect(log.receiverEmail).toBeNull();
    const attachments = await orm.em.fork().find(Attachment, { ticketLog: log.id });
    expect(attachments.map((attachment) => [attachment.filename, attachment.contentType])).toEqual([
      ['ForwardedMessage.eml', 'message/rfc822'],
    ]);
    expect(await emailsOf(log)).toHaveLength(0);
    expect((await counts()).emails).toBe(before.emails);
    expect((await inboundRow(id)).state).toBe(InboundState.Processed);
  });

  it('turns a truncated message into an error ticket that points at the captured row', async () => {
    const raw = readMailFixture('redmine-apple_mail_with_attachment.eml').subarray(0, 4000);
    const id = await captureAndRun(raw, { size: 31_406_099, truncated: true });
    const [log] = await logsOf(id);
    expect(log.ticket).toMatchObject({
      kind: TicketKind.Error,
      type: null,
      contact: null,
      subject: 'Test attaching images to tickets by HTML mail',
      errorReason: `Message is 31406099 bytes; over the ${SIZE_LIMIT}-byte limit. The first 4000 bytes are kept.`,
    });
    expect(log.fromAddress).toBe('JSmith@somenet.foo');
    expect(await emailsOf(log)).toHaveLength(0);
    expect(await orm.em.fork().count(Attachment, { ticketLog: log.id })).toBe(0);
  });

  it('turns a 0-byte message into an error ticket', async () => {
    const before = await counts();
    const id = await captureAndRun(readMailFixture('syn-13-zero-byte-file.eml'));
    const [log] = await logsOf(id);
    expect(log.ticket).toMatchObject({
      kind: TicketKind.Error,
      contact: null,
      subject: '(unreadable message)',
    });
    expect(log.ticket.errorReason).toBe('Message is empty (0 bytes)');
    expect((await counts()).contacts).toBe(before.contacts);
  });

  it('keeps an out-of-office reply on its ticket but sends no notification for it', async () => {
    // The customer's out-of-office answering a message on the ticket.
    const raw = edit(
      edit(
        readMailFixture('syn-17-oof-with-tag.eml'),
        '[Support #123-789]',
        `[Support #${firstTicketId}-${firstLogId}]`,
      ),
      /alice@example\.com/g,
      'doug@example.com',
    );
    const [log] = await logsOf(await captureAndRun(raw));
    expect(log.ticket.id).toBe(firstTicketId);
    expect(await emailsOf(log)).toHaveLength(0);
    expect(log.machineMail).toContain('Auto-Submitted: auto-replied');
    expect(log.notificationNote).toBe('No notification: machine mail');
  });

  it('makes one ticket for a message delivered twice (same Message-ID and sender)', async () => {
    const first = await captureAndRun(readMailFixture('syn-11-duplicate-a.eml'));
    const before = await counts();
    const second = await captureAndRun(readMailFixture('syn-11-duplicate-b.eml'));
    expect(await counts()).toEqual(before);
    expect(await logsOf(second)).toHaveLength(0);
    const secondRow = await inboundRow(second);
    expect(secondRow.state).toBe(InboundState.Processed);
    expect(secondRow.error).toContain(`already on ticket #${(await logsOf(first))[0].ticket.id}`);
  });

  it('makes one ticket when two copies of a message are processed at the same moment', async () => {
    const copy = (file: string): Buffer =>
      edit(readMailFixture(file), '<vpn-issue-20240514@example.com>', '<vpn-issue-concurrent@example.com>');
    const ids = await Promise.all([
      capture(copy('syn-11-duplicate-a.eml')),
      capture(copy('syn-11-duplicate-b.eml')),
    ]);
    const before = await counts();
    await Promise.all(ids.map((id) => runJob(id)));
    const after = await counts();
    expect(after.tickets - before.tickets).toBe(1);
    expect(after.logs - before.logs).toBe(1);
  });

  it('changes nothing when a job runs again', async () => {
    const id = await captureAndRun(
      deliveredTo('support@helpdesk.example.com', readMailFixture('mmp-m1005.eml')),
    );
    const before = await counts();
    expect(before.attachments).toBeGreaterThan(0);
    await expect(processService.process(id)).resolves.toMatchObject({ result: 'skipped' });
    // The same message once more through the worker, under another job id.
    await inboundQueue.add('process', { inboundMessageId: id }, { jobId: `again-${id}` });
    await waitUntil(
      async () => (await (await inboundQueue.getJob(`again-${id}`))?.getState()) === 'completed',
    );
    expect(await counts()).toEqual(before);
  });

  it('creates one contact when several messages of a new sender are processed at once', async () => {
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        capture(
          Buffer.from(
            [
              'From: "New Person" <New.Person@Example.org>',
              'To: support@helpdesk.example.com',
              `Subject: Question ${index}`,
              `Message-ID: <race-${index}@example.org>`,
              '',
              'Hello',
              '',
            ].join('\r\n'),
          ),
        ),
      ),
    );
    await Promise.all(ids.map((id) => runJob(id)));
    const contacts = await orm.em.fork().find(Contact, { email: 'new.person@example.org' });
    expect(contacts).toHaveLength(1);
    const tickets = await orm.em.fork().find(Ticket, { contact: contacts[0].id });
    expect(tickets).toHaveLength(6);
  });

  it('marks the message failed after the last attempt when processing keeps failing', async () => {
    // A type whose workflow tag cannot be written into a subject makes every attempt throw.
    const em = orm.em.fork();
    const otherMailbox = new Mailbox({
      name: 'Broken',
      kind: MailboxKind.Imap,
      host: '127.0.0.1',
      port: 143,
      security: MailboxSecurity.None,
      username: 'broken',
    });
    const broken = new TicketType({
      task: TicketTask.SimpleStorage,
      name: 'Broken',
      emailTo: 'broken@helpdesk.example.com',
      workflowTag: 'Bro#ken',
      mailbox: otherMailbox,
      adminEmail: 'admin@helpdesk.example.com',
    });
    await em.persist([otherMailbox, broken]).flush();
    const before = await counts();
    const id = await capture(
      Buffer.from('From: x@example.org\r\nTo: broken@helpdesk.example.com\r\nSubject: Hi\r\n\r\nBody\r\n'),
      { mailbox: otherMailbox },
    );
    await inboundQueue.add(
      'process',
      { inboundMessageId: id },
      { jobId: `fail-${id}`, attempts: 2, backoff: { type: 'fixed', delay: 50 } },
    );
    await waitUntil(async () => (await (await inboundQueue.getJob(`fail-${id}`))?.getState()) === 'failed');
    const row = await inboundRow(id);
    expect(row.state).toBe(InboundState.Failed);
    expect(row.error).toMatch(/^Processing failed after 2 attempt\(s\): .*Bro#ken/);
    const after = await counts();
    // The contact insert was rolled back with the rest of the transaction.
    expect(after).toEqual(before);
  });
});

describe('outbound sweeper', () => {
  it('re-enqueues queued emails that have no job (crash between commit and enqueue)', async () => {
    const em = orm.em.fork();
    const orphan = new EmailQueue({
      purpose: EmailPurpose.Notification,
      fromAddress: 'support@helpdesk.example.com',
      toAddresses: 'admin@helpdesk.example.com',
      subject: 'orphan',
      messageId: '<orphan@twe.test>',
    });
    orphan.createdAt = new Date(Date.now() - 5 * 60_000);
    const fresh = new EmailQueue({
      purpose: EmailPurpose.Notification,
      fromAddress: 'support@helpdesk.example.com',
      toAddresses: 'admin@helpdesk.example.com',
      subject: 'fresh',
      messageId: '<fresh@twe.test>',
    });
    const finished = new EmailQueue({
      purpose: EmailPurpose.Notification,
      fromAddress: 'support@helpdesk.example.com',
      toAddresses: 'admin@helpdesk.example.com',
      subject: 'job completed but row still queued',
      messageId: '<finished@twe.test>',
    });
    finished.createdAt = new Date(Date.now() - 5 * 60_000);
    await em.persist([orphan, fresh, finished]).flush();
    // Start from an empty queue; then give `finished` a job that has already completed: its id
    // stays taken, so a plain add would be a no-op.
    await outboundQueue.obliterate({ force: true });
    await enqueueOutboundSend(outboundQueue, { emailQueueId: finished.id });
    const worker = new Worker(QueueName.OutboundSend, async () => 'done', {
      connection: redisConnectionOptions(testRedisUrl()),
      prefix,
    });
    await waitUntil(
      async () =>
        (await (await outboundQueue.getJob(jobId.outbound(finished.id)))?.getState()) === 'completed',
    );
    await worker.close();

    // Other tests' rows are older than a minute by now too; only these three matter here.
    await sweeper.sweepOnce();
    expect(await (await outboundQueue.getJob(jobId.outbound(orphan.id)))?.getState()).toBe('waiting');
    expect(await outboundQueue.getJob(jobId.outbound(fresh.id))).toBeUndefined();
    expect(await (await outboundQueue.getJob(jobId.outbound(finished.id)))?.getState()).toBe('waiting');
    // A second sweep finds live jobs and adds nothing.
    const jobsBefore = await outboundQueue.getJobCounts();
    await sweeper.sweepOnce();
    expect(await outboundQueue.getJobCounts()).toEqual(jobsBefore);
  });
});
