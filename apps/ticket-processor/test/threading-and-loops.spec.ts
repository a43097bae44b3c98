import 'reflect-metadata';

import { createHash } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EmailQueue,
  InboundMessage,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
  Ticket,
  TicketLog,
  TicketStatus,
  TicketStatusChange,
  TicketTask,
  TicketType,
  ormConfig,
  runMigrations,
} from '@twe/persistence';
import { createQueue, enqueueInboundProcess, jobId, QueueName } from '@twe/queues';
import {
  composeMail,
  createTestDatabase,
  deleteRedisKeys,
  testRedisUrl,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@twe/testing';
import type { Queue } from 'bullmq';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 4 rules at the processor level (real PostgreSQL and Redis, the real inbound.process worker):
 * threading order, strangers with copied tags, status history, closed tickets, loop guard, the
 * per-sender cap, cross-mailbox duplicates and the save table.
 */
const MESSAGE_ID_DOMAIN = 'twe.test';
const CAP = 3;

let database: TestDatabase;
let prefix: string;
let app: INestApplication;
let orm: MikroORM;
let pg: Client;
let inboundQueue: Queue;
let outboundQueue: Queue;
let mailbox: Mailbox;
let otherMailbox: Mailbox;
let support: TicketType;
let sales: TicketType;
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
    MESSAGE_ID_DOMAIN,
    NOTIFICATION_CAP_PER_SENDER_PER_HOUR: String(CAP),
  });
  const migrator = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
  await runMigrations(migrator);
  await migrator.close();
  pg = new Client({ connectionString: database.url });
  await pg.connect();
  // A customer table for the save-table rule (text columns, one extra column with a default).
  await pg.query(
    `create table "Customer Enquiries" (id serial primary key, "from" text, "subject" text, body text, received_at timestamptz default now())`,
  );

  const { AppModule } = await import('../src/app.module.js');
  app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await app.init();
  orm = app.get(MikroORM);
  inboundQueue = createQueue(QueueName.InboundProcess, { redisUrl: testRedisUrl(), prefix });
  outboundQueue = createQueue(QueueName.OutboundSend, { redisUrl: testRedisUrl(), prefix });

  const em = orm.em.fork();
  const box = (name: string): Mailbox =>
    new Mailbox({
      name,
      kind: MailboxKind.Imap,
      host: '127.0.0.1',
      port: 143,
      security: MailboxSecurity.None,
      username: name,
    });
  mailbox = box('helpdesk');
  otherMailbox = box('second');
  support = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support',
    emailTo: 'support@helpdesk.example.com',
    workflowTag: 'Support',
    mailbox,
    adminEmail: 'admin@helpdesk.example.com',
  });
  support.emailForward = 'archive@helpdesk.example.com';
  sales = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Sales',
    emailTo: 'sales@helpdesk.example.com',
    workflowTag: 'Sales',
    mailbox,
    adminEmail: 'sales-admin@helpdesk.example.com',
  });
  sales.saveTable = 'Customer Enquiries';
  sales.saveFromColumn = 'from';
  sales.saveSubjectColumn = 'subject';
  sales.saveBodyColumn = 'body';
  await em.persist([mailbox, otherMailbox, support, sales]).flush();
});

afterAll(async () => {
  await app?.close();
  await inboundQueue?.close();
  await outboundQueue?.close();
  await pg?.end();
  await database?.drop();
  if (prefix) await deleteRedisKeys(testRedisUrl(), prefix);
});

async function run(raw: Buffer, box: Mailbox = mailbox): Promise<TicketLog[]> {
  const em = orm.em.fork();
  const row = new InboundMessage({
    mailbox: em.getReference(Mailbox, box.id),
    remoteId: `t:${++seq}`,
    raw,
    size: raw.length,
    truncated: false,
    sha256: createHash('sha256').update(raw).digest('hex'),
  });
  await em.persist(row).flush();
  await enqueueInboundProcess(inboundQueue, { inboundMessageId: row.id });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = await (await inboundQueue.getJob(jobId.inbound(row.id)))?.getState();
    if (state === 'completed') break;
    if (state === 'failed' || Date.now() > deadline) throw new Error(`inbound ${row.id}: ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  return orm.em
    .fork()
    .find(
      TicketLog,
      { inboundMessage: row.id },
      { populate: ['ticket', 'ticket.type'], orderBy: { id: 'asc' } },
    );
}

async function emailsOf(log: TicketLog): Promise<EmailQueue[]> {
  return orm.em.fork().find(EmailQueue, { ticketLog: log.id }, { orderBy: { id: 'asc' } });
}

async function ticket(id: number): Promise<Ticket> {
  return orm.em.fork().findOneOrFail(Ticket, id, { populate: ['previousTicket'] });
}

async function statusHistory(ticketId: number): Promise<Array<[string | null, string, string]>> {
  const changes = await orm.em
    .fork()
    .find(TicketStatusChange, { ticket: ticketId }, { orderBy: { id: 'asc' } });
  return changes.map((change) => [change.fromStatus, change.toStatus, change.cause]);
}

async function setStatus(ticketId: number, status: TicketStatus): Promise<void> {
  await orm.em.fork().nativeUpdate(Ticket, { id: ticketId }, { status });
}

/** A new enquiry from `from` to Support; returns its log. */
async function enquiry(from: string, cc?: string): Promise<TicketLog> {
  const [log] = await run(
    composeMail({
      from,
      to: 'Helpdesk <support@helpdesk.example.com>',
      cc,
      subject: `Printer ${++seq}`,
      messageId: `<enquiry-${seq}@customer.example>`,
    }),
  );
  return log;
}

describe('threading', () => {
  it('records New with its cause on a new ticket', async () => {
    const log = await enquiry('grace@customer.example');
    expect(await statusHistory(log.ticket.id)).toEqual([[null, 'New', 'new message']]);
  });

  it('threads a tagged reply of the customer and reopens a Resolved ticket, recording the change', async () => {
    const first = await enquiry('heidi@customer.example');
    await setStatus(first.ticket.id, TicketStatus.Resolved);
    const [reply] = await run(
      composeMail({
        from: 'Heidi <HEIDI@customer.example>',
        to: 'support@helpdesk.example.com',
        subject: `AW: [Support #${first.ticket.id}-${first.id}] Printer`,
        messageId: '<heidi-reply@customer.example>',
      }),
    );
    expect(reply.ticket.id).toBe(first.ticket.id);
    expect(reply.threadingNote).toBeNull();
    expect((await ticket(first.ticket.id)).status).toBe(TicketStatus.Open);
    expect((await statusHistory(first.ticket.id)).slice(1)).toEqual([
      ['Resolved', 'Open', 'customer reply from heidi@customer.example'],
    ]);
  });

  it('gives a stranger using a copied tag a new ticket of their own, noted on the log', async () => {
    const first = await enquiry('ivan@customer.example');
    const [log] = await run(
      composeMail({
        from: 'mallory@elsewhere.example',
        to: 'support@helpdesk.example.com',
        subject: `Re: [Support #${first.ticket.id}-${first.id}] Printer`,
        messageId: '<mallory@elsewhere.example>',
      }),
    );
    expect(log.ticket.id).not.toBe(first.ticket.id);
    expect(log.ticket.type?.id).toBe(support.id);
    expect(log.threadingNote).toBe(
      `Tag [Support #${first.ticket.id}-${first.id}] names ticket #${first.ticket.id}, but the sender does not take part in it: new ticket`,
    );
    expect(await emailsOf(log)).toHaveLength(2);
  });

  it('threads a tagged reply of a participant (Cc of the first message) sent to another address', async () => {
    const first = await enquiry('judy@customer.example', 'Kim <kim@customer.example>');
    const [log, ...others] = await run(
      composeMail({
        from: 'kim@customer.example',
        to: 'sales@helpdesk.example.com',
        subject: `Re: [Support #${first.ticket.id}-${first.id}] Printer`,
        messageId: '<kim-reply@customer.example>',
      }),
    );
    expect(others).toHaveLength(0);
    expect(log.ticket.id).toBe(first.ticket.id);
    expect(log.threadingNote).toContain('the sender takes part in the ticket');
    expect(log.threadingNote).toContain('addressed to sales@helpdesk.example.com');
  });

  it('threads a tagged reply of the customer sent to an address of no type instead of making it invalid', async () => {
    const first = await enquiry('uma@customer.example');
    const [log, ...others] = await run(
      composeMail({
        from: 'uma@customer.example',
        to: 'old-helpdesk@helpdesk.example.com',
        subject: `Re: [Support #${first.ticket.id}-${first.id}] Printer`,
        messageId: '<uma-reply@customer.example>',
      }),
    );
    expect(others).toHaveLength(0);
    expect(log.ticket.id).toBe(first.ticket.id);
    expect(log.threadingNote).toBe(
      `Threaded by tag [Support #${first.ticket.id}-${first.id}]: the sender takes part in the ticket; the message was addressed to no ticket type`,
    );
  });

  it('does not reopen a Resolved ticket when the staff answer by email, and does not notify the author', async () => {
    const first = await enquiry('vera@customer.example');
    await setStatus(first.ticket.id, TicketStatus.Resolved);
    const [log] = await run(
      composeMail({
        from: 'admin@helpdesk.example.com',
        to: 'support@helpdesk.example.com',
        subject: `Re: [Support #${first.ticket.id}-${first.id}] Printer`,
        messageId: '<staff-answer@helpdesk.example.com>',
      }),
    );
    expect(log.ticket.id).toBe(first.ticket.id);
    expect((await ticket(first.ticket.id)).status).toBe(TicketStatus.Resolved);
    // Only the forward address is told; the admin wrote it.
    expect((await emailsOf(log)).map((email) => email.toAddresses)).toEqual(['archive@helpdesk.example.com']);
  });

  it('threads a reply-all without a tag by the Message-ID of a message we received', async () => {
    const first = await enquiry('leo@customer.example', 'mia@customer.example, ned@customer.example');
    const [log] = await run(
      composeMail({
        from: 'ned@customer.example',
        to: 'leo@customer.example, support@helpdesk.example.com',
        cc: 'mia@customer.example',
        subject: 'Re: Printer',
        messageId: '<ned-reply@customer.example>',
        inReplyTo: first.messageId!,
        references: first.messageId!,
      }),
    );
    expect(log.ticket.id).toBe(first.ticket.id);
  });

  it('opens a new ticket linked to a Closed one, and later replies to the old thread join the new ticket', async () => {
    const first = await enquiry('olga@customer.example');
    await setStatus(first.ticket.id, TicketStatus.Closed);
    const reply = (n: number): Buffer =>
      composeMail({
        from: 'olga@customer.example',
        to: 'support@helpdesk.example.com',
        subject: 'Re: Printer',
        messageId: `<olga-${n}@customer.example>`,
        inReplyTo: first.messageId!,
      });
    const [second] = await run(reply(1));
    expect(second.ticket.id).not.toBe(first.ticket.id);
    expect((await ticket(second.ticket.id)).previousTicket?.id).toBe(first.ticket.id);
    expect(second.threadingNote).toBe(`Ticket #${first.ticket.id} is closed: new ticket`);
    expect(await statusHistory(second.ticket.id)).toEqual([
      [null, 'New', `new message after ticket #${first.ticket.id} was closed`],
    ]);
    const [third] = await run(reply(2));
    expect(third.ticket.id).toBe(second.ticket.id);
    expect((await ticket(first.ticket.id)).status).toBe(TicketStatus.Closed);
  });

  it('echoes In-Reply-To, References and a Thread-Index child on the notifications', async () => {
    const [log] = await run(
      composeMail({
        from: 'pia@customer.example',
        to: 'support@helpdesk.example.com',
        subject: 'Outlook thread',
        messageId: '<pia@customer.example>',
        references: '<older@customer.example>',
        headers: ['Thread-Index: AdqKJ8o3dGqgSlW+QfOPbeGZWnT9Ng=='],
      }),
    );
    const emails = await emailsOf(log);
    expect(emails).toHaveLength(2);
    for (const email of emails) {
      expect(email.inReplyTo).toBe('<pia@customer.example>');
      expect(email.references).toBe('<older@customer.example> <pia@customer.example>');
      const index = Buffer.from(email.threadIndex!, 'base64');
      expect(index).toHaveLength(27);
      expect(index.subarray(0, 22)).toEqual(Buffer.from('AdqKJ8o3dGqgSlW+QfOPbeGZWnT9Ng==', 'base64'));
    }
    expect(emails[0].threadIndex).not.toBe(emails[1].threadIndex);
  });
});

describe('loops and storms', () => {
  it.each([
    ['an out-of-office (Auto-Submitted)', ['Auto-Submitted: auto-replied'], 'auto-reply'],
    ['list mail (List-Unsubscribe)', ['List-Unsubscribe: <mailto:leave@list.example>'], 'list'],
    ['our own mail coming back (X-TWE-Loop)', [`X-TWE-Loop: ${MESSAGE_ID_DOMAIN}`], 'own-mail'],
    [
      'a bounce (multipart/report)',
      ['Content-Type: multipart/report; report-type=delivery-status'],
      'bounce',
    ],
  ])('logs %s on its ticket without reopening it or notifying anyone', async (_situation, headers, kind) => {
    const first = await enquiry(`robot-${seq + 1}@customer.example`);
    await setStatus(first.ticket.id, TicketStatus.Resolved);
    const [log] = await run(
      composeMail({
        from: first.fromAddress!,
        to: 'support@helpdesk.example.com',
        subject: `Re: [Support #${first.ticket.id}-${first.id}] Printer`,
        messageId: `<auto-${seq}@customer.example>`,
        headers,
      }),
    );
    expect(log.ticket.id).toBe(first.ticket.id);
    expect(log.machineMail).toMatch(new RegExp(`^${kind}`));
    expect(log.notificationNote).toBe('No notification: machine mail');
    expect(await emailsOf(log)).toHaveLength(0);
    expect((await ticket(first.ticket.id)).status).toBe(TicketStatus.Resolved);
    expect(await statusHistory(first.ticket.id)).toEqual([[null, 'New', 'new message']]);
  });

  it('notices our own Message-ID domain even without any header', async () => {
    const [log] = await run(
      composeMail({
        from: 'someone@customer.example',
        to: 'support@helpdesk.example.com',
        subject: 'Looped',
        messageId: `<abc@${MESSAGE_ID_DOMAIN}>`,
      }),
    );
    expect(log.machineMail).toBe(`own-mail: Message-ID: <abc@${MESSAGE_ID_DOMAIN}>`);
    expect(await emailsOf(log)).toHaveLength(0);
  });

  it(`notifies at most ${CAP} messages of one sender per hour; the rest are logged with a note`, async () => {
    const logs: TicketLog[] = [];
    for (let n = 0; n < CAP + 2; n++) logs.push(await enquiry('flood@robot.example'));
    const emails = await Promise.all(logs.map((log) => emailsOf(log)));
    expect(emails.map((list) => list.length)).toEqual([2, 2, 2, 0, 0]);
    expect(logs.map((log) => log.notificationNote)).toEqual([
      null,
      null,
      null,
      `No notification: flood@robot.example reached the cap of ${CAP} notified messages per hour`,
      `No notification: flood@robot.example reached the cap of ${CAP} notified messages per hour`,
    ]);
    // Another sender is not affected.
    expect(await emailsOf(await enquiry('calm@customer.example'))).toHaveLength(2);
  });
});

describe('multiple types, duplicates, save table', () => {
  it('makes one ticket per type for a message to two types, and one row in the save table of one', async () => {
    const logs = await run(
      composeMail({
        from: 'quinn@customer.example',
        to: 'support@helpdesk.example.com',
        cc: 'sales@helpdesk.example.com',
        subject: 'Quote and "support"; drop table ticket; --',
        messageId: '<quinn@customer.example>',
        text: 'Body with $1 and ? placeholders',
      }),
    );
    expect(logs.map((log) => log.ticket.type?.name)).toEqual(['Support', 'Sales']);
    expect(new Set(logs.map((log) => log.ticket.id)).size).toBe(2);
    const saved = await pg.query('select "from", subject, body from "Customer Enquiries" order by id');
    expect(saved.rows).toEqual([
      {
        from: 'quinn@customer.example',
        subject: 'Quote and "support"; drop table ticket; --',
        body: 'Body with $1 and ? placeholders\n',
      },
    ]);
  });

  it('stores the ticket without the save-table row when the table no longer has the column', async () => {
    await pg.query('alter table "Customer Enquiries" rename column body to body_text');
    try {
      const [log] = await run(
        composeMail({
          from: 'rita@customer.example',
          to: 'sales@helpdesk.example.com',
          subject: 'Second quote',
          messageId: '<rita@customer.example>',
        }),
      );
      expect(log.ticket.type?.id).toBe(sales.id);
      expect((await pg.query('select count(*)::int as n from "Customer Enquiries"')).rows[0].n).toBe(1);
    } finally {
      await pg.query('alter table "Customer Enquiries" rename column body_text to body');
    }
  });

  it('logs one message delivered to two mailboxes once (the second copy matches no type there)', async () => {
    const raw = composeMail({
      from: 'sam@customer.example',
      to: 'support@helpdesk.example.com',
      subject: 'Sent to two mailboxes',
      messageId: '<sam@customer.example>',
    });
    const [first] = await run(raw);
    const second = await run(raw, otherMailbox);
    expect(first.ticket.type?.id).toBe(support.id);
    expect(second).toHaveLength(0);
    const rows = await pg.query('select count(*)::int as n from ticket_log where message_id = $1', [
      '<sam@customer.example>',
    ]);
    expect(rows.rows[0].n).toBe(1);
  });
});
