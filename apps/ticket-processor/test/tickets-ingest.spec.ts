import 'reflect-metadata';

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Attachment,
  EmailPurpose,
  EmailQueue,
  InboundMessage,
  InboundState,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
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
  defaultJobOptions,
  enqueueTicketsIngest,
  ingestJobId,
  QueueName,
  ticketsIngestPayload,
} from '@twe/queues';
import {
  createTestDatabase,
  deleteRedisKeys,
  readMailFixture,
  testRedisUrl,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@twe/testing';
import type { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLE = resolve(__dirname, '../../../examples/enqueue-ingest.mjs');
const run = promisify(execFile);
const SIZE_LIMIT = 64 * 1024;

let database: TestDatabase;
let prefix: string;
let app: INestApplication;
let orm: MikroORM;
let ingestQueue: Queue;
let support: TicketType;
let sales: TicketType;
let workDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = uniqueQueuePrefix();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    MESSAGE_ID_DOMAIN: 'twe.test',
    // Low, so that one test can send a message over it (the fixtures used elsewhere are far smaller).
    FETCH_MAX_MESSAGE_BYTES: String(SIZE_LIMIT),
  });
  const migrator = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
  await runMigrations(migrator);
  await migrator.close();

  // After the environment is set: the app's modules read it once when declared.
  const { AppModule } = await import('../src/app.module.js');
  app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await app.init();
  orm = app.get(MikroORM);
  ingestQueue = createQueue(QueueName.TicketsIngest, { redisUrl: testRedisUrl(), prefix });

  // Two mailboxes with a type each: an ingested message has no mailbox, so every active type of
  // every mailbox is a candidate.
  const em = orm.em.fork();
  const mailbox = (name: string) =>
    new Mailbox({
      name,
      kind: MailboxKind.Imap,
      host: '127.0.0.1',
      port: 143,
      security: MailboxSecurity.None,
      username: name,
    });
  support = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support Desk',
    emailTo: 'support@helpdesk.example.com',
    workflowTag: 'Support',
    mailbox: mailbox('support'),
    adminEmail: 'admin@helpdesk.example.com',
  });
  sales = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Sales',
    emailTo: 'sales@helpdesk.example.com',
    workflowTag: 'Sales',
    mailbox: mailbox('sales'),
    adminEmail: 'sales-lead@helpdesk.example.com',
  });
  const retired = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Retired',
    emailTo: 'retired@helpdesk.example.com',
    workflowTag: 'Old',
    mailbox: support.mailbox,
    adminEmail: 'old@helpdesk.example.com',
  });
  retired.active = false;
  await em.persist([support, sales, retired]).flush();
  workDir = mkdtempSync(join(tmpdir(), 'twe-ingest-'));
});

afterAll(async () => {
  await app?.close();
  await ingestQueue?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(testRedisUrl(), prefix);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function waitUntil<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Waits for the ingest job to finish (and then for the inbound.process job it started). */
async function settle(jobId: string): Promise<Job> {
  await waitUntil(async () => {
    const state = await ingestQueue.getJobState(jobId);
    return state === 'completed' || state === 'failed';
  });
  // Read after the state: a job read while still active has no return value or failure reason yet.
  const job = (await ingestQueue.getJob(jobId)) as Job;
  if (job.returnvalue) {
    const { inboundMessageId } = job.returnvalue as { inboundMessageId: number };
    await waitUntil(async () => (await inboundRow(inboundMessageId)).state !== InboundState.Captured);
  }
  return job;
}

async function inboundRow(id: number): Promise<InboundMessage> {
  return orm.em.fork().findOneOrFail(InboundMessage, id, { populate: ['raw'] });
}

async function logsOf(inboundMessageId: number): Promise<TicketLog[]> {
  return orm.em
    .fork()
    .find(
      TicketLog,
      { inboundMessage: inboundMessageId },
      { populate: ['ticket', 'ticket.type', 'ticket.contact'], orderBy: { id: 'asc' } },
    );
}

async function attachmentsOf(log: TicketLog): Promise<Attachment[]> {
  return orm.em
    .fork()
    .find(Attachment, { ticketLog: log.id }, { populate: ['content'], orderBy: { id: 'asc' } });
}

async function notificationsOf(log: TicketLog): Promise<EmailQueue[]> {
  return orm.em.fork().find(EmailQueue, { ticketLog: log.id }, { orderBy: { id: 'asc' } });
}

async function rowCount(table: string): Promise<number> {
  const [row] = await orm.em
    .getConnection()
    .execute<Array<{ count: string }>>(`select count(*) from ${table}`);
  return Number(row.count);
}

/** A real fixture (Outlook, 3 PNG attachments) as another system would pass it on, addressed to support. */
function supportEnquiry(): Buffer {
  const text = readMailFixture('mmp-m0011.eml').toString('latin1');
  const edited = text.replace(/^To: .*$/m, 'To: Support Desk <support@helpdesk.example.com>');
  if (edited === text) throw new Error('fixture has no To line');
  return Buffer.from(edited, 'latin1');
}

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('tickets.ingest (the queue other systems feed)', () => {
  it('turns a raw message into a ticket of the addressed type, with contact, attachments and a notification', async () => {
    const jobId = await enqueueTicketsIngest(ingestQueue, {
      kind: 'raw',
      source: 'crm',
      idempotencyKey: 'crm-mail-1',
      rawBase64: supportEnquiry().toString('base64'),
    });
    const job = await settle(jobId);
    expect(job.returnvalue).toEqual({ inboundMessageId: expect.any(Number), inserted: true });

    const inbound = await inboundRow(job.returnvalue.inboundMessageId);
    expect(inbound).toMatchObject({
      mailbox: null,
      source: 'crm',
      remoteId: 'ingest:key:crm-mail-1',
      state: InboundState.Processed,
      truncated: false,
    });
    expect(inbound.raw.equals(supportEnquiry())).toBe(true);

    const [log, ...others] = await logsOf(inbound.id);
    expect(others).toHaveLength(0);
    expect(log.ticket).toMatchObject({ kind: TicketKind.Normal, status: TicketStatus.New });
    expect(log.ticket.type?.id).toBe(support.id);
    expect(log.ticket.contact).toMatchObject({ email: 'doug@example.com', name: 'Dave Sample' });
    expect(log.bodyText).toContain('The Hare and the Tortoise');
    expect((await attachmentsOf(log)).map((file) => file.filename)).toEqual([
      'blueball.png',
      'greenball.png',
      'redball.png',
    ]);
    const emails = await notificationsOf(log);
    expect(emails.map(({ purpose, toAddresses, subject }) => ({ purpose, toAddresses, subject }))).toEqual([
      {
        purpose: EmailPurpose.Notification,
        toAddresses: 'admin@helpdesk.example.com',
        subject: `[Support #${log.ticket.id}-${log.id}] Test message from Microsoft Outlook 00`,
      },
    ]);
  });

  it('builds a structured message into MIME and files it under a type of another mailbox', async () => {
    const jobId = await enqueueTicketsIngest(ingestQueue, {
      kind: 'structured',
      source: 'shop',
      from: { address: 'Jane@Customer.example', name: 'Jane Müller' },
      to: ['Sales@helpdesk.example.com'],
      cc: ['boss@customer.example'],
      subject: 'Angebot für 20 Drucker',
      text: 'Bitte ein Angebot.\nDanke, Jane',
      html: '<p>Bitte ein <b>Angebot</b>.</p><script>alert(1)</script>',
      messageId: '<order-4711@shop.example>',
      attachments: [
        { filename: 'liste.png', contentType: 'image/png', contentBase64: png.toString('base64') },
      ],
    });
    const job = await settle(jobId);
    const inbound = await inboundRow(job.returnvalue.inboundMessageId);
    expect(inbound.source).toBe('shop');
    expect(inbound.remoteId).toMatch(/^ingest:sha256:[0-9a-f]{64}$/);
    expect(inbound.raw.toString('utf8')).toMatch(/^Message-ID: <order-4711@shop\.example>\r?$/m);

    const [log, ...others] = await logsOf(inbound.id);
    expect(others).toHaveLength(0);
    expect(log.ticket.type?.id).toBe(sales.id);
    expect(log.ticket.subject).toBe('Angebot für 20 Drucker');
    expect(log.ticket.contact).toMatchObject({ email: 'jane@customer.example', name: 'Jane Müller' });
    expect(log).toMatchObject({
      messageId: '<order-4711@shop.example>',
      // nodemailer writes the domain lower-cased (it normalises IDN domains); the local part stays.
      fromAddress: 'Jane@customer.example',
    });
    expect(log.bodyText).toContain('Bitte ein Angebot.');
    const [attachment, ...moreFiles] = await attachmentsOf(log);
    expect(moreFiles).toHaveLength(0);
    expect(attachment).toMatchObject({ filename: 'liste.png', contentType: 'image/png', size: png.length });
    expect(attachment.content.equals(png)).toBe(true);
    const [email] = await notificationsOf(log);
    expect(email).toMatchObject({
      purpose: EmailPurpose.Notification,
      toAddresses: 'sales-lead@helpdesk.example.com',
      subject: `[Sales #${log.ticket.id}-${log.id}] Angebot für 20 Drucker`,
      attachmentIds: [attachment.id],
    });
  });

  it('ingests the same idempotency key once, even after its first job is gone from Redis', async () => {
    const payload = {
      kind: 'structured' as const,
      source: 'crm',
      idempotencyKey: 'case-77-comment-1',
      from: { address: 'bob@customer.example' },
      to: ['support@helpdesk.example.com'],
      subject: 'Once only',
      text: 'first delivery',
    };
    const first = await settle(await enqueueTicketsIngest(ingestQueue, payload));
    const logsBefore = await rowCount('ticket_log');
    const inboundBefore = await rowCount('inbound_message');

    // While the job is kept, BullMQ ignores a second add with the same id...
    expect(await enqueueTicketsIngest(ingestQueue, { ...payload, text: 'a retry that changed' })).toBe(
      first.id,
    );
    expect(await ingestQueue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
    // ...and once it is gone (kept an hour at most), the database's unique (source, remote_id) holds.
    await first.remove();
    const second = await settle(
      await enqueueTicketsIngest(ingestQueue, { ...payload, text: 'a retry that changed' }),
    );
    expect(second.returnvalue).toEqual({
      inboundMessageId: first.returnvalue.inboundMessageId,
      inserted: false,
    });
    expect(await rowCount('ticket_log')).toBe(logsBefore);
    expect(await rowCount('inbound_message')).toBe(inboundBefore);
    const [log] = await logsOf(first.returnvalue.inboundMessageId);
    expect(log.bodyText).toContain('first delivery');
  });

  it.each([
    [
      'addressed to types of two mailboxes: one ticket per type',
      ['support@helpdesk.example.com', 'sales@helpdesk.example.com'],
      ['Sales', 'Support Desk'],
    ],
    ['addressed only to an inactive type: one invalid ticket', ['retired@helpdesk.example.com'], [null]],
  ])('matches against all active types when %s', async (_situation, to, typeNames) => {
    const job = await settle(
      await enqueueTicketsIngest(ingestQueue, {
        kind: 'structured',
        source: 'forms',
        from: { address: 'visitor@web.example' },
        to,
        subject: `Contact form to ${to.join(', ')}`,
        text: 'Hello',
      }),
    );
    const logs = await logsOf(job.returnvalue.inboundMessageId);
    expect(logs.map((log) => log.ticket.type?.name ?? null).sort()).toEqual(typeNames);
    if (typeNames[0] === null) expect(logs[0].ticket.kind).toBe(TicketKind.Invalid);
  });

  it('stores a message over FETCH_MAX_MESSAGE_BYTES cut and marked, as an error ticket (as from a mailbox)', async () => {
    const big = Buffer.concat([
      Buffer.from(
        'From: bulk@sender.example\r\nTo: support@helpdesk.example.com\r\nSubject: Big export\r\n\r\n',
      ),
      Buffer.alloc(SIZE_LIMIT * 2, 'x'),
    ]);
    const job = await settle(
      await enqueueTicketsIngest(ingestQueue, {
        kind: 'raw',
        source: 'erp',
        rawBase64: big.toString('base64'),
      }),
    );
    const inbound = await inboundRow(job.returnvalue.inboundMessageId);
    expect(inbound).toMatchObject({ truncated: true, size: big.length });
    expect(inbound.raw.length).toBe(SIZE_LIMIT);
    expect(inbound.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    const [log] = await logsOf(inbound.id);
    expect(log.ticket).toMatchObject({ kind: TicketKind.Error, subject: 'Big export' });
  });

  it.each([
    [
      'a structured message without recipients',
      { kind: 'structured', source: 'crm', from: { address: 'a@b.example' }, to: [], subject: 'x' },
      />=1 items.*→ at to/,
    ],
    [
      'a subject carrying a header (injection attempt)',
      {
        kind: 'structured',
        source: 'crm',
        from: { address: 'a@b.example' },
        to: ['support@helpdesk.example.com'],
        subject: 'hi\r\nBcc: everyone@example.com',
      },
      /Must be a single line.*→ at subject/,
    ],
    [
      'a raw message that is not base64',
      { kind: 'raw', source: 'crm', rawBase64: '%%%' },
      /Must be base64.*rawBase64/,
    ],
    [
      'the old stub without kind',
      { source: 'crm', rawBase64: 'aGk=' },
      /Invalid discriminator value.*→ at kind/,
    ],
  ])('fails %s for good with the zod message, storing nothing', async (_situation, data, reason) => {
    const inboundBefore = await rowCount('inbound_message');
    // Straight onto the queue, as a producer that skips validation would.
    const added = await ingestQueue.add('ingest', data);
    const job = await settle(added.id as string);
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toMatch(/^Invalid tickets\.ingest payload: /);
    expect(job.failedReason.replaceAll('\n', ' ')).toMatch(reason);
    expect(job.attemptsMade).toBe(1); // unrecoverable: not retried eight times
    expect(await rowCount('inbound_message')).toBe(inboundBefore);
  });

  it('refuses an invalid payload at the producer, before it reaches Redis', async () => {
    await expect(
      enqueueTicketsIngest(ingestQueue, { kind: 'raw', source: 'crm', rawBase64: '' }),
    ).rejects.toThrow(/Must not be empty/);
  });
});

describe('examples/enqueue-ingest.mjs (another Node program)', () => {
  it('puts the job on the queue of QUEUE_PREFIX with the engine job id and job options', async () => {
    // A prefix no worker listens on: the job must wait there as the example left it.
    const idlePrefix = uniqueQueuePrefix();
    const idleQueue = createQueue(QueueName.TicketsIngest, { redisUrl: testRedisUrl(), prefix: idlePrefix });
    try {
      const file = join(workDir, 'enquiry.eml');
      writeFileSync(file, supportEnquiry());
      const { stdout } = await run(process.execPath, [EXAMPLE, 'raw', file, '--source', 'crm'], {
        env: { ...process.env, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: idlePrefix },
      });
      const { jobId } = JSON.parse(stdout) as { jobId: string };
      const expected = ticketsIngestPayload.parse({
        kind: 'raw',
        source: 'crm',
        rawBase64: supportEnquiry().toString('base64'),
      });
      expect(jobId).toBe(ingestJobId(expected));
      const job = await idleQueue.getJob(jobId);
      expect(await job?.getState()).toBe('waiting');
      expect(job?.name).toBe('ingest');
      expect(job?.data).toEqual(expected);
      const { attempts, backoff, removeOnComplete, removeOnFail } = job!.opts;
      expect({ attempts, backoff, removeOnComplete, removeOnFail }).toEqual(
        defaultJobOptions[QueueName.TicketsIngest],
      );
    } finally {
      await idleQueue.close();
      await deleteRedisKeys(testRedisUrl(), idlePrefix);
    }
  });

  it('enqueues a structured message with an attachment that the running engine turns into a ticket', async () => {
    const attachment = join(workDir, 'screenshot.png');
    writeFileSync(attachment, png);
    const { stdout } = await run(
      process.execPath,
      [
        EXAMPLE,
        'structured',
        '--source',
        'monitoring',
        '--key',
        'alert-9001',
        '--from',
        'nagios@monitoring.example',
        '--from-name',
        'Nagios',
        '--to',
        'support@helpdesk.example.com',
        '--subject',
        'Disk full on db1',
        '--text',
        'Disk /var is 99% full.',
        '--attach',
        attachment,
      ],
      { env: { ...process.env, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix } },
    );
    const job = await settle((JSON.parse(stdout) as { jobId: string }).jobId);
    const [log] = await logsOf(job.returnvalue.inboundMessageId);
    expect(log.ticket.type?.id).toBe(support.id);
    expect(log.ticket.subject).toBe('Disk full on db1');
    expect(log.ticket.contact).toMatchObject({ email: 'nagios@monitoring.example', name: 'Nagios' });
    const [file] = await attachmentsOf(log);
    expect(file).toMatchObject({ filename: 'screenshot.png', contentType: 'image/png' });
    expect(file.sha256).toBe(createHash('sha256').update(png).digest('hex'));
    expect(await notificationsOf(log)).toHaveLength(1);
  });

  it('exits 1 with the reasons and enqueues nothing for a message that does not fit the contract', async () => {
    const waitingBefore = await ingestQueue.getJobCounts('waiting', 'completed', 'failed');
    const failure = await run(
      process.execPath,
      [EXAMPLE, 'structured', '--from', 'not-an-address', '--to', 'support@helpdesk.example.com'],
      { env: { ...process.env, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix } },
    ).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('Not a valid tickets.ingest payload');
    expect(failure?.stderr).toContain('at from.address');
    expect(await ingestQueue.getJobCounts('waiting', 'completed', 'failed')).toEqual(waitingBefore);
  });
});
