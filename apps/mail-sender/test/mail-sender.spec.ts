import 'reflect-metadata';

import { createHash, randomBytes } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Attachment,
  EmailPurpose,
  EmailQueue,
  EmailStatus,
  LogDirection,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
  Ticket,
  TicketKind,
  TicketLog,
  TicketTask,
  TicketType,
  ormConfig,
  runMigrations,
} from '@twe/persistence';
import { createQueue, enqueueOutboundSend, jobId, QueueName } from '@twe/queues';
import {
  createTestDatabase,
  deleteRedisKeys,
  startSmtpSink,
  testRedisUrl,
  uniqueQueuePrefix,
  type ReceivedMail,
  type SmtpSink,
  type TestDatabase,
} from '@twe/testing';
import type { Queue } from 'bullmq';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { StuckSendingSweeper } from '../src/stuck-sending.sweeper';

const SMTP_PASSWORD = 'sink-password-Zq81';

let database: TestDatabase;
let prefix: string;
let sink: SmtpSink;
let app: INestApplication;
let orm: MikroORM;
let outboundQueue: Queue;
let sweeper: StuckSendingSweeper;
let ticket: Ticket;
let log: TicketLog;
let files: Attachment[];
let restarted: SMTPServer | undefined;
/** Recipient -> SMTP reply the sink gives to RCPT TO (changed by the tests). */
const refusals = new Map<string, { code: number; message: string }>();

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = uniqueQueuePrefix();
  sink = await startSmtpSink({ rejectRecipient: (address) => refusals.get(address) ?? null });
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    SMTP_HOST: sink.host,
    SMTP_PORT: String(sink.port),
    SMTP_SECURITY: 'none',
    SMTP_USER: 'mailer',
    SMTP_PASSWORD,
    SMTP_POOL_SIZE: '2',
  });
  const migrator = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
  await runMigrations(migrator);
  await migrator.close();

  // Imported only now: declaring the app's modules reads the configuration, which must be set first.
  const { AppModule } = await import('../src/app.module.js');
  app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await app.init();
  orm = app.get(MikroORM);
  sweeper = app.get((await import('../src/stuck-sending.sweeper.js')).StuckSendingSweeper);
  outboundQueue = createQueue(QueueName.OutboundSend, { redisUrl: testRedisUrl(), prefix });

  const em = orm.em.fork();
  const mailbox = new Mailbox({
    name: 'Helpdesk',
    kind: MailboxKind.Imap,
    host: '127.0.0.1',
    port: 143,
    security: MailboxSecurity.None,
    username: 'support',
  });
  const type = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support',
    emailTo: 'support@helpdesk.example.com',
    workflowTag: 'Support',
    mailbox,
    adminEmail: 'admin@helpdesk.example.com',
  });
  ticket = new Ticket({ type, kind: TicketKind.Normal, subject: 'Printer', contact: null });
  log = new TicketLog({ ticket, inboundMessage: null, direction: LogDirection.Inbound, subject: 'Printer' });
  const file = (filename: string, contentType: string, content: Buffer, cid?: string): Attachment => {
    const attachment = new Attachment({
      ticketLog: log,
      filename,
      contentType,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
    });
    if (cid) {
      attachment.contentId = cid;
      attachment.inline = true;
    }
    return attachment;
  };
  files = [
    file('report.pdf', 'application/pdf', randomBytes(300_000)),
    file('notes.txt', 'text/plain', Buffer.from('line one\r\nline two, ünïcödé\r\n')),
    file('logo.png', 'image/png', randomBytes(2_000), 'logo-1@helpdesk'),
    // A forwarded message. message/rfc822 may only travel as 7bit/8bit (RFC 2046), so its lines end in
    // CRLF on the wire; an LF-only one would arrive CRLF-normalized (same message, other bytes).
    file(
      'forwarded.eml',
      'message/rfc822',
      Buffer.from('From: a@example.com\r\nSubject: inner\r\n\r\nInner body ü\r\n'),
    ),
  ];
  await em.persist([mailbox, type, ticket, log, ...files]).flush();
});

afterAll(async () => {
  await app?.close();
  await outboundQueue?.close();
  await sink?.stop().catch(() => undefined);
  await new Promise<void>((resolve) => (restarted ? restarted.close(() => resolve()) : resolve()));
  await database?.drop();
  if (prefix) await deleteRedisKeys(testRedisUrl(), prefix);
});

let rowSeq = 0;

async function queuedEmail(to: string, fields: Partial<EmailQueue> = {}): Promise<EmailQueue> {
  const em = orm.em.fork();
  const email = new EmailQueue({
    purpose: EmailPurpose.Notification,
    fromAddress: '"Support" <support@helpdesk.example.com>',
    toAddresses: to,
    subject: `[Support #${ticket.id}-${log.id}] Printer (${++rowSeq})`,
    messageId: `<sender-test-${rowSeq}-${randomBytes(4).toString('hex')}@twe.test>`,
  });
  email.ticket = em.getReference(Ticket, ticket.id);
  email.ticketLog = em.getReference(TicketLog, log.id);
  email.bodyText = 'From: alice@example.com\n\nThe printer is jammed.';
  email.inReplyTo = '<original@example.com>';
  email.references = '<earlier@example.com> <original@example.com>';
  Object.assign(email, fields);
  await em.persist(email).flush();
  return email;
}

async function row(id: number): Promise<EmailQueue> {
  return orm.em.fork().findOneOrFail(EmailQueue, id);
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

async function waitForStatus(id: number, status: EmailStatus): Promise<EmailQueue> {
  return waitUntil(async () => {
    const current = await row(id);
    return current.status === status ? current : undefined;
  });
}

async function jobState(id: number): Promise<string | undefined> {
  return (await outboundQueue.getJob(jobId.outbound(id)))?.getState();
}

function receivedBy(address: string): ReceivedMail[] {
  return sink.messages.filter((mail) => mail.envelopeTo.includes(address));
}

const sha = (content: Buffer): string => createHash('sha256').update(content).digest('hex');

describe('mail-sender return path (issue 5)', () => {
  it('uses the address of MAIL_FROM as envelope sender while there is no Bounce Back type', async () => {
    const email = await queuedEmail('plain-return@example.com');
    await enqueueOutboundSend(outboundQueue, { emailQueueId: email.id });
    await waitForStatus(email.id, EmailStatus.Sent);
    const [mail] = receivedBy('plain-return@example.com');
    // MAIL_FROM is unset here: its default is `Ticket Workflow Engine <helpdesk@example.com>`.
    expect(mail.envelopeFrom).toBe('helpdesk@example.com');
    expect(mail.parsed.headers.get('x-twe-email-id')).toBe(String(email.id));
  });

  it('uses a VERP address on the Bounce Back type domain once an active one exists', async () => {
    const em = orm.em.fork();
    const mailbox = await em.findOneOrFail(Mailbox, { name: 'Helpdesk' });
    const inactive = new TicketType({
      task: TicketTask.BounceBack,
      name: 'Old bounces',
      emailTo: 'bounces@old-bounce.example.org',
      workflowTag: 'OldBounce',
      mailbox,
      adminEmail: 'postmaster@example.org',
    });
    inactive.active = false;
    const active = new TicketType({
      task: TicketTask.BounceBack,
      name: 'Bounces',
      emailTo: 'Bounces@Bounce.Example.org',
      workflowTag: 'Bounce',
      mailbox,
      adminEmail: 'postmaster@example.org',
    });
    await em.persist([inactive, active]).flush();

    const email = await queuedEmail('verp-return@example.com');
    await enqueueOutboundSend(outboundQueue, { emailQueueId: email.id });
    await waitForStatus(email.id, EmailStatus.Sent);
    const [mail] = receivedBy('verp-return@example.com');
    expect(mail.envelopeFrom).toBe(`bounces+${email.id}@bounce.example.org`);
    expect(mail.envelopeTo).toEqual(['verp-return@example.com']);
  });
});

describe('mail-sender (outbound.send)', () => {
  it('sends a queued row with our Message-ID, threading headers and byte-equal attachments', async () => {
    const email = await queuedEmail('admin@helpdesk.example.com', {
      attachmentIds: files.map((file) => file.id),
      threadIndex: 'AdqKJ8o3dGqgSlW+QfOPbeGZWnT9NgAAAAAA',
    });
    await enqueueOutboundSend(outboundQueue, { emailQueueId: email.id });

    const sent = await waitForStatus(email.id, EmailStatus.Sent);
    expect(sent).toMatchObject({ attempts: 1, lastError: null });
    expect(sent.sentAt).toBeInstanceOf(Date);

    const [mail] = receivedBy('admin@helpdesk.example.com');
    expect(mail.parsed.messageId).toBe(email.messageId);
    expect(mail.parsed.inReplyTo).toBe('<original@example.com>');
    expect(mail.parsed.references).toEqual(['<earlier@example.com>', '<original@example.com>']);
    expect(mail.parsed.subject).toBe(email.subject);
    expect(mail.parsed.from?.value[0]).toMatchObject({
      name: 'Support',
      address: 'support@helpdesk.example.com',
    });
    expect(mail.parsed.text).toContain('The printer is jammed.');
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.parsed.headers.get('thread-index')).toBe('AdqKJ8o3dGqgSlW+QfOPbeGZWnT9NgAAAAAA');
    // Our own mail coming back is recognised by this header (value: MESSAGE_ID_DOMAIN).
    expect(mail.parsed.headers.get('x-twe-loop')).toBe(process.env.MESSAGE_ID_DOMAIN ?? 'twe.example.com');
    const received = mail.parsed.attachments.map((file) => ({
      filename: file.filename,
      contentType: file.contentType,
      sha256: sha(file.content),
      cid: file.cid ?? null,
    }));
    expect(received).toEqual(
      files.map((file) => ({
        filename: file.filename,
        contentType: file.contentType,
        sha256: file.sha256,
        cid: file.contentId,
      })),
    );
  });

  it('changes nothing when the job of a sent row runs again', async () => {
    const email = await queuedEmail('again@example.com');
    await enqueueOutboundSend(outboundQueue, { emailQueueId: email.id });
    await waitForStatus(email.id, EmailStatus.Sent);
    await outboundQueue.add('send', { emailQueueId: email.id }, { jobId: `again-${email.id}` });
    await waitUntil(
      async () => (await (await outboundQueue.getJob(`again-${email.id}`))?.getState()) === 'completed',
    );
    expect(receivedBy('again@example.com')).toHaveLength(1);
    expect((await row(email.id)).attempts).toBe(1);
  });

  it('fails a row at once on 550, with the reason, and does not retry', async () => {
    refusals.set('nobody@example.com', { code: 550, message: 'No such user here' });
    const email = await queuedEmail('nobody@example.com');
    await enqueueOutboundSend(outboundQueue, { emailQueueId: email.id });
    const failed = await waitForStatus(email.id, EmailStatus.Failed);
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toMatch(/550/);
    expect(failed.lastError).toContain('No such user here');
    expect(failed.lastError).not.toContain(SMTP_PASSWORD);
    await waitUntil(async () => (await jobState(email.id)) === 'failed');
    const job = await outboundQueue.getJob(jobId.outbound(email.id));
    expect(job?.attemptsMade).toBe(1);
  });

  it('puts a row back to queued on 451 and sends it on a later attempt', async () => {
    refusals.set('greylisted@example.com', { code: 451, message: 'Greylisted, try again later' });
    const email = await queuedEmail('greylisted@example.com');
    await enqueueOutboundSend(outboundQueue, { emailQueueId: email.id });

    const deferred = await waitUntil(async () => {
      const current = await row(email.id);
      return current.status === EmailStatus.Queued && current.attempts === 1 ? current : undefined;
    });
    expect(deferred.lastError).toMatch(/451/);
    await waitUntil(async () => (await jobState(email.id)) === 'delayed');

    refusals.delete('greylisted@example.com');
    // The backoff is 5 s and more; the retry is brought forward instead of waited for.
    await (await outboundQueue.getJob(jobId.outbound(email.id)))?.promote();
    const sent = await waitForStatus(email.id, EmailStatus.Sent);
    expect(sent.attempts).toBe(2);
    expect(receivedBy('greylisted@example.com')).toHaveLength(1);
  });

  it('fails a row when the attempts are used up on transient errors', async () => {
    refusals.set('always-busy@example.com', { code: 452, message: 'Mailbox busy' });
    const email = await queuedEmail('always-busy@example.com');
    await outboundQueue.add(
      'send',
      { emailQueueId: email.id },
      { jobId: jobId.outbound(email.id), attempts: 2, backoff: { type: 'fixed', delay: 50 } },
    );
    const failed = await waitForStatus(email.id, EmailStatus.Failed);
    expect(failed.attempts).toBe(2);
    expect(failed.lastError).toMatch(/^Gave up after 2 attempt\(s\): .*452/);
    await waitUntil(async () => (await jobState(email.id)) === 'failed');
  });

  it('puts rows stuck in sending back to queued and sends them', async () => {
    const email = await queuedEmail('stuck@example.com', {
      status: EmailStatus.Sending,
      attempts: 1,
      sendingStartedAt: new Date(Date.now() - 11 * 60_000),
    });
    const recent = await queuedEmail('in-progress@example.com', {
      status: EmailStatus.Sending,
      attempts: 1,
      sendingStartedAt: new Date(Date.now() - 60_000),
    });
    expect(await sweeper.sweepOnce()).toBe(1);
    const sent = await waitForStatus(email.id, EmailStatus.Sent);
    expect(sent.attempts).toBe(2);
    expect((await row(recent.id)).status).toBe(EmailStatus.Sending);
  });

  it('retries while the SMTP server is down and sends once it is back', async () => {
    const port = sink.port;
    await sink.stop();
    const email = await queuedEmail('after-outage@example.com');
    await enqueueOutboundSend(outboundQueue, { emailQueueId: email.id });
    const deferred = await waitUntil(async () => {
      const current = await row(email.id);
      return current.status === EmailStatus.Queued && current.attempts === 1 ? current : undefined;
    });
    expect(deferred.lastError).toMatch(/ECONNREFUSED|connect/i);
    await waitUntil(async () => (await jobState(email.id)) === 'delayed');

    // The server comes back on the same address.
    const delivered: Buffer[] = [];
    restarted = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (_auth, _session, callback) => callback(null, { user: 'mailer' }),
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          delivered.push(Buffer.concat(chunks));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => restarted?.listen(port, '127.0.0.1', () => resolve()));

    await (await outboundQueue.getJob(jobId.outbound(email.id)))?.promote();
    const sent = await waitForStatus(email.id, EmailStatus.Sent);
    expect(sent.attempts).toBe(2);
    expect(delivered).toHaveLength(1);
    expect((await simpleParser(delivered[0])).messageId).toBe(email.messageId);
  });
});
