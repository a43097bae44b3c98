import 'reflect-metadata';

import { createHash } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Attachment,
  InboundMessage,
  InboundState,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
  TicketKind,
  TicketLog,
  TicketTask,
  TicketType,
  ormConfig,
  runMigrations,
} from '@twe/persistence';
import {
  createTestDatabase,
  deleteRedisKeys,
  testRedisUrl,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ProcessInboundMessageService } from '../../apps/ticket-processor/src/process-inbound-message.service';
import {
  bareId,
  collapse,
  containsPhrase,
  corpusRecords,
  loadCorpus,
  type CorpusRecord,
} from './corpus-records';

/**
 * Every corpus sample through the real ticket processor (ProcessInboundMessageService on a real
 * PostgreSQL database), in corpus order, as the fetcher would have captured it: the stored ticket
 * log must carry the sample's sender, decoded subject, Message-ID, a phrase of its decoded body and
 * its attachments (names and count; a winmail.dat is followed by the files unpacked from it).
 */

/**
 * Samples whose stored result is not a log of their own, with the reason. Each is asserted as
 * written (a statement, not a skip).
 */
const PROCESSOR_EXCEPTIONS: Record<string, { reason: string; outcome: 'error' | 'duplicate' }> = {
  'syn-13-zero-byte-file.eml': {
    reason:
      'A 0-byte file is not a message: the processor keeps it on an error ticket (empty log, no files).',
    outcome: 'error',
  },
  'syn-11-duplicate-b.eml': {
    reason:
      'The same message as syn-11-duplicate-a.eml delivered a second time (same Message-ID and sender): ' +
      "the first copy's log stands for both, and it holds this sample's fields too.",
    outcome: 'duplicate',
  },
};

/**
 * Different messages to which their fixture authors gave the Message-ID and sender of an earlier
 * sample. The processor rightly keeps one log per Message-ID and sender, so these run on an emptied
 * ticket store to check their own fields.
 */
const REUSED_IDENTITY: Record<string, string> = {
  'imaptools-attachment_with_base64_encoded_name.eml': 'imaptools-attachment_with_encoded_name.eml',
  'imaptools-attachment_message_rfc822.eml': 'imaptools-attachment_nonascii_filename.eml',
  'enmime-malformed-base64-attach.eml': 'enmime-bad-header-wrap.eml',
  'redmine-subject_as_iso-8859-1.eml': 'redmine-no_subject_header.eml',
  'redmine-subject_japanese_1.eml': 'redmine-no_subject_header.eml',
};

let database: TestDatabase;
let prefix: string;
let app: INestApplication;
let orm: MikroORM;
let mailbox: Mailbox;
let processor: ProcessInboundMessageService;
let corpus: Map<string, Buffer>;
let remoteSeq = 0;
const logByFile = new Map<string, number>();

beforeAll(async () => {
  corpus = loadCorpus();
  database = await createTestDatabase();
  prefix = uniqueQueuePrefix();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    MESSAGE_ID_DOMAIN: 'twe.test',
  });
  const migrator = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
  await runMigrations(migrator);
  await migrator.close();

  // Imported only now: the app's modules read the configuration when they are declared.
  const { AppModule } = await import('../../apps/ticket-processor/src/app.module.js');
  app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await app.init();
  processor = app.get(
    (await import('../../apps/ticket-processor/src/process-inbound-message.service.js'))
      .ProcessInboundMessageService,
  );
  orm = app.get(MikroORM);

  const em = orm.em.fork();
  mailbox = new Mailbox({
    name: 'Helpdesk',
    kind: MailboxKind.Imap,
    host: '127.0.0.1',
    port: 143,
    security: MailboxSecurity.None,
    username: 'support',
  });
  const support = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support',
    emailTo: 'support@helpdesk.example.com',
    workflowTag: 'Support',
    mailbox,
    adminEmail: 'admin@helpdesk.example.com',
  });
  await em.persist([mailbox, support]).flush();
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(testRedisUrl(), prefix);
});

/** Captures the bytes as the fetcher does (state captured) and runs the processor on the row. */
async function ingest(raw: Buffer): Promise<number> {
  const em = orm.em.fork();
  const row = new InboundMessage({
    mailbox: em.getReference(Mailbox, mailbox.id),
    remoteId: `corpus:${++remoteSeq}`,
    raw,
    size: raw.length,
    truncated: false,
    sha256: createHash('sha256').update(raw).digest('hex'),
  });
  await em.persist(row).flush();
  await processor.process(row.id);
  return row.id;
}

function expectedFiles(record: CorpusRecord): Array<string | null> {
  const embedded = record.tnef_embedded_files ?? [];
  return record.attachment_filenames.flatMap((name) =>
    name?.toLowerCase() === 'winmail.dat' ? [name, ...embedded] : [name],
  );
}

async function storedLogs(inboundId: number): Promise<{ inbound: InboundMessage; logs: TicketLog[] }> {
  const em = orm.em.fork();
  const inbound = await em.findOneOrFail(InboundMessage, inboundId);
  const logs = await em.find(
    TicketLog,
    { inboundMessage: inboundId },
    { populate: ['ticket'], orderBy: { id: 'asc' } },
  );
  return { inbound, logs };
}

/** The stored log holds the sample's sender, subject, ids, a body phrase and its files. */
async function expectStoredAsRecorded(log: TicketLog, record: CorpusRecord): Promise<void> {
  expect(log.fromAddress?.toLowerCase() ?? null).toBe(record.from_address?.toLowerCase() ?? null);
  expect(collapse(log.subject)).toBe(collapse(record.subject) ?? '');
  expect(bareId(log.messageId)).toBe(bareId(record.message_id));
  expect(bareId(log.inReplyTo)).toBe(bareId(record.in_reply_to));
  if (record.body_contains !== null) {
    expect(
      containsPhrase(log.bodyText, record.body_contains),
      `body contains ${JSON.stringify(record.body_contains)}`,
    ).toBe(true);
  }
  if (log.bodyHtml !== null) {
    // Stored sanitised: nothing that runs or loads from elsewhere when staff open it.
    expect(log.bodyHtml).not.toMatch(
      /<script|<iframe|<object|\son[a-z]+\s*=|(?:src|background)="(?:https?:)?\/\/|url\(\s*['"]?(?:https?:)?\/\//i,
    );
  }
  const files = await orm.em.fork().find(Attachment, { ticketLog: log.id }, { orderBy: { id: 'asc' } });
  expect(files.map((attachment) => attachment.filename?.normalize('NFC') ?? null)).toEqual(
    expectedFiles(record).map((name) => name?.normalize('NFC') ?? null),
  );
  expect(files).toHaveLength(record.attachment_count + (record.tnef_embedded_files?.length ?? 0));
}

function identity(record: CorpusRecord): string | null {
  return record.message_id && record.from_address
    ? `${record.message_id.toLowerCase()} ${record.from_address.toLowerCase()}`
    : null;
}

describe('mail corpus through the real ticket processor', () => {
  const records = corpusRecords();
  const firstPass = records.filter((record) => !(record.file in REUSED_IDENTITY));
  const secondPass = records.filter((record) => record.file in REUSED_IDENTITY);

  it("knows every sample that repeats an earlier sample's Message-ID and sender", () => {
    const first = new Map<string, string>();
    const repeats: Record<string, string> = {};
    for (const record of records) {
      const key = identity(record);
      if (key === null) continue;
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, record.file);
      else repeats[record.file] = earlier;
    }
    expect(repeats).toEqual({ ...REUSED_IDENTITY, 'syn-11-duplicate-b.eml': 'syn-11-duplicate-a.eml' });
  });

  it.each(firstPass.map((record) => [record.file, record] as const))(
    '%s: stored as the corpus says',
    async (file, record) => {
      const { inbound, logs } = await storedLogs(await ingest(corpus.get(file) ?? Buffer.alloc(0)));
      expect(inbound.state).toBe(InboundState.Processed);
      const exception = PROCESSOR_EXCEPTIONS[file];
      if (exception?.outcome === 'duplicate') {
        expect(logs).toHaveLength(0);
        expect(inbound.error).toContain(`Duplicate delivery of ${record.message_id}`);
        const firstCopy = await orm.em
          .fork()
          .findOneOrFail(TicketLog, logByFile.get('syn-11-duplicate-a.eml') ?? 0);
        await expectStoredAsRecorded(firstCopy, record);
        return;
      }
      expect(logs).toHaveLength(1);
      logByFile.set(file, logs[0].id);
      if (exception?.outcome === 'error') {
        expect(logs[0].ticket.kind).toBe(TicketKind.Error);
        expect(logs[0].ticket.errorReason).toBe('Message is empty (0 bytes)');
        return;
      }
      await expectStoredAsRecorded(logs[0], record);
    },
  );

  it('stores the quoted history of a reply apart from the new text', async () => {
    const log = await orm.em.fork().findOneOrFail(TicketLog, logByFile.get('syn-01-re-tag.eml') ?? 0);
    expect(log.bodyTextNew).toContain('It is still jammed after the restart.');
    expect(log.bodyTextNew).not.toMatch(/^>/m);
    expect(log.quotedText).toMatch(/^-----Original Message-----\nFrom: Helpdesk/);
  });

  it('stores a hostile HTML body sanitised, with its inline image kept by content id', async () => {
    const raw = Buffer.from(
      [
        'From: Mallory <mallory@example.net>',
        'To: support@helpdesk.example.com',
        'Subject: Invoice',
        'Message-ID: <hostile-html@example.net>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/related; boundary="rel"',
        '',
        '--rel',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><head><script src="https://evil.example/x.js"></script></head>',
        '<body onload="steal()"><p style="background:url(https://t.example/bg.png)">Pay now</p>',
        '<img src="https://t.example/pixel.gif?u=1" alt="">',
        '<img src="cid:logo@example.net" alt="logo">',
        '<a href="javascript:steal()">here</a></body></html>',
        '--rel',
        'Content-Type: image/png; name="logo.png"',
        'Content-ID: <logo@example.net>',
        'Content-Transfer-Encoding: base64',
        '',
        'iVBORw0KGgo=',
        '--rel--',
        '',
      ].join('\r\n'),
    );
    const { logs } = await storedLogs(await ingest(raw));
    expect(logs).toHaveLength(1);
    expect(logs[0].bodyHtml).toBe(
      '\n<p style="background:none">Pay now</p>\n\n<img src="cid:logo@example.net" alt="logo">\n<a>here</a>',
    );
    expect(logs[0].bodyText).toContain('Pay now');
    const files = await orm.em.fork().find(Attachment, { ticketLog: logs[0].id });
    expect(files.map((file) => [file.filename, file.contentId, file.inline])).toEqual([
      ['logo.png', 'logo@example.net', true],
    ]);
  });

  describe("samples that reuse an earlier sample's Message-ID and sender, on an emptied ticket store", () => {
    beforeAll(async () => {
      await orm.em
        .fork()
        .execute('truncate table "attachment", "email_queue", "ticket_log", "ticket" cascade');
    });

    it.each(secondPass.map((record) => [record.file, record] as const))(
      '%s: stored as the corpus says',
      async (file, record) => {
        const { inbound, logs } = await storedLogs(await ingest(corpus.get(file) ?? Buffer.alloc(0)));
        expect(inbound.state).toBe(InboundState.Processed);
        expect(logs).toHaveLength(1);
        await expectStoredAsRecorded(logs[0], record);
        // Removed again so that the next sample with the same identity gets a log of its own too.
        await orm.em
          .fork()
          .execute('truncate table "attachment", "email_queue", "ticket_log", "ticket" cascade');
      },
    );
  });
});
