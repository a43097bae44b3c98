import 'reflect-metadata';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Attachment,
  EmailPurpose,
  EmailQueue,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
  TicketLog,
  TicketTask,
  TicketType,
} from '@twe/persistence';
import { createQueue, QueueName, ticketsIngestJsonSchema } from '@twe/queues';
import { readMailFixture } from '@twe/testing';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGateway, type ApiResponse, type GatewayUnderTest } from './gateway-harness';

// The whole path in one process: this gateway, and the ticket-processor app module (imported from its
// sources) consuming the same queues and database, as the two services do in production.
let gateway: GatewayUnderTest;
let processor: INestApplication;
let orm: MikroORM;
let ingestQueue: Queue;
let support: TicketType;
let sales: TicketType;

beforeAll(async () => {
  gateway = await startGateway();
  const { AppModule } = await import('../../ticket-processor/src/app.module.js');
  processor = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await processor.init();
  orm = processor.get(MikroORM);
  ingestQueue = createQueue(QueueName.TicketsIngest, {
    redisUrl: gateway.redisUrl,
    prefix: gateway.queuePrefix,
  });

  const em = orm.em.fork();
  const mailbox = new Mailbox({
    name: 'Helpdesk',
    kind: MailboxKind.Imap,
    host: '127.0.0.1',
    port: 143,
    security: MailboxSecurity.None,
    username: 'helpdesk',
  });
  support = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Support Desk',
    emailTo: 'support@helpdesk.example.com',
    workflowTag: 'Support',
    mailbox,
    adminEmail: 'admin@helpdesk.example.com',
  });
  sales = new TicketType({
    task: TicketTask.SimpleStorage,
    name: 'Sales',
    emailTo: 'sales@helpdesk.example.com',
    workflowTag: 'Sales',
    mailbox,
    adminEmail: 'sales-lead@helpdesk.example.com',
  });
  await em.persist([support, sales]).flush();
});

afterAll(async () => {
  await processor?.close();
  await ingestQueue?.close();
  await gateway?.close();
});

interface JobStatus {
  state: string;
  inboundMessageId: number | null;
  inboundState: string | null;
  ticketIds: number[];
  failedReason: string | null;
}

/** Polls the status URL the 202 answer gave until the message is processed into tickets. */
async function untilProcessed(accepted: ApiResponse): Promise<JobStatus> {
  expect(accepted.status).toBe(202);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { status, body } = await gateway.request('GET', accepted.body.statusUrl as string);
    expect(status).toBe(200);
    const current = body as JobStatus;
    if (current.state === 'failed') throw new Error(`ingest job failed: ${current.failedReason}`);
    if (current.inboundState === 'processed' && current.ticketIds.length > 0) return current;
    if (Date.now() > deadline) throw new Error(`not processed in time: ${JSON.stringify(current)}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function onlyLog(inboundMessageId: number): Promise<TicketLog> {
  const logs = await orm.em
    .fork()
    .find(
      TicketLog,
      { inboundMessage: inboundMessageId },
      { populate: ['ticket', 'ticket.type', 'ticket.contact'] },
    );
  expect(logs).toHaveLength(1);
  return logs[0];
}

async function storedCounts(): Promise<{ inbound: number; jobs: number }> {
  const { rows } = await gateway.db.query<{ count: string }>('select count(*) from inbound_message');
  const jobs = await ingestQueue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  return { inbound: Number(rows[0].count), jobs: Object.values(jobs).reduce((sum, n) => sum + n, 0) };
}

/** mmp-m0011 (Outlook, 3 PNGs) as a CRM would forward it to the helpdesk. */
function supportEnquiry(): Buffer {
  const text = readMailFixture('mmp-m0011.eml').toString('latin1');
  return Buffer.from(text.replace(/^To: .*$/m, 'To: support@helpdesk.example.com'), 'latin1');
}

describe('POST /api/ingest', () => {
  it('takes a structured JSON message and answers 202; it becomes a ticket of the addressed type', async () => {
    const accepted = await gateway.request('POST', '/api/ingest', {
      kind: 'structured',
      source: 'shop',
      from: { address: 'jane@customer.example', name: 'Jane Doe' },
      to: ['sales@helpdesk.example.com'],
      subject: 'Quote for 20 printers',
      text: 'Please send a quote.',
      attachments: [
        {
          filename: 'list.csv',
          contentType: 'text/csv',
          contentBase64: Buffer.from('qty;item\n20;printer\n').toString('base64'),
        },
      ],
    });
    expect(accepted.body).toEqual({
      jobId: expect.stringMatching(/^ingest-[0-9a-f]{64}$/),
      status: 'queued',
      statusUrl: `/api/ingest/jobs/${accepted.body.jobId}`,
    });
    const done = await untilProcessed(accepted);

    const log = await onlyLog(done.inboundMessageId!);
    expect(done.ticketIds).toEqual([log.ticket.id]);
    expect(log.ticket.type?.id).toBe(sales.id);
    expect(log.ticket.subject).toBe('Quote for 20 printers');
    expect(log.ticket.contact).toMatchObject({ email: 'jane@customer.example', name: 'Jane Doe' });
    const files = await orm.em.fork().find(Attachment, { ticketLog: log.id }, { populate: ['content'] });
    expect(files.map((file) => [file.filename, file.content.toString()])).toEqual([
      ['list.csv', 'qty;item\n20;printer\n'],
    ]);
    const emails = await orm.em.fork().find(EmailQueue, { ticketLog: log.id });
    expect(emails.map(({ purpose, toAddresses }) => ({ purpose, toAddresses }))).toEqual([
      { purpose: EmailPurpose.Notification, toAddresses: 'sales-lead@helpdesk.example.com' },
    ]);
  });

  it('takes a raw message/rfc822 body with ?source= and Idempotency-Key, once however often it is sent', async () => {
    const send = (): Promise<ApiResponse> =>
      fetch(`${gateway.baseUrl}/api/ingest?source=crm`, {
        method: 'POST',
        headers: { 'content-type': 'message/rfc822', 'idempotency-key': 'crm-mail-42' },
        body: supportEnquiry(),
      }).then(async (response) => ({ status: response.status, text: '', body: await response.json() }));
    const first = await send();
    const done = await untilProcessed(first);
    const second = await send();
    expect(second.status).toBe(202);
    expect(second.body.jobId).toBe(first.body.jobId);

    const log = await onlyLog(done.inboundMessageId!);
    expect(log.ticket.type?.id).toBe(support.id);
    expect(log.ticket.contact?.email).toBe('doug@example.com');
    expect(log.bodyText).toContain('The Hare and the Tortoise');
    const files = await orm.em.fork().find(Attachment, { ticketLog: log.id }, { orderBy: { id: 'asc' } });
    expect(files.map((file) => file.filename)).toEqual(['blueball.png', 'greenball.png', 'redball.png']);
    const { rows } = await gateway.db.query(
      'select mailbox_id, source, remote_id from inbound_message where source = $1',
      ['crm'],
    );
    expect(rows).toEqual([{ mailbox_id: null, source: 'crm', remote_id: 'ingest:key:crm-mail-42' }]);
    expect(
      await orm.em.fork().count(EmailQueue, { ticketLog: log.id, purpose: EmailPurpose.Notification }),
    ).toBe(1);
  });

  it('uses the Idempotency-Key header for a JSON body that has no idempotencyKey', async () => {
    const message = (text: string) => ({
      kind: 'structured',
      source: 'forms',
      from: { address: 'visitor@web.example' },
      to: ['support@helpdesk.example.com'],
      subject: 'Contact form',
      text,
    });
    const first = await gateway.request('POST', '/api/ingest', message('first'), {
      'idempotency-key': 'form-1',
    });
    const again = await gateway.request('POST', '/api/ingest', message('edited'), {
      'idempotency-key': 'form-1',
    });
    const other = await gateway.request('POST', '/api/ingest', message('first'), {
      'idempotency-key': 'form-2',
    });
    expect([first.status, again.status, other.status]).toEqual([202, 202, 202]);
    expect(again.body.jobId).toBe(first.body.jobId);
    expect(other.body.jobId).not.toBe(first.body.jobId);
    const done = await untilProcessed(first);
    const { rows } = await gateway.db.query('select remote_id from inbound_message where id = $1', [
      done.inboundMessageId,
    ]);
    expect(rows).toEqual([{ remote_id: 'ingest:key:form-1' }]);
    await untilProcessed(other);
  });

  it.each([
    [
      'a JSON body without kind',
      { source: 'crm', rawBase64: 'aGk=' },
      'kind',
      'Required, one of: "raw", "structured"',
    ],
    [
      'a recipient that is no address',
      { kind: 'structured', source: 'crm', from: { address: 'a@b.example' }, to: ['support'], subject: 's' },
      'to.0',
      'Must be an email address like name@example.com',
    ],
    [
      'a subject with a line break',
      {
        kind: 'structured',
        source: 'crm',
        from: { address: 'a@b.example' },
        to: ['support@helpdesk.example.com'],
        subject: 'x\nBcc: all@example.com',
      },
      'subject',
      'Must be a single line (no line breaks)',
    ],
    ['a misspelt field', { kind: 'raw', source: 'crm', rawbase64: 'aGk=' }, 'rawbase64', 'Unknown field'],
    [
      'raw that is not base64',
      { kind: 'raw', source: 'crm', rawBase64: 'h i' },
      'rawBase64',
      'Must be base64',
    ],
  ])(
    'answers 400 with field messages for %s and stores nothing',
    async (_situation, body, field, message) => {
      const before = await storedCounts();
      const response = await gateway.request('POST', '/api/ingest', body);
      expect(response.status).toBe(400);
      expect(response.body.errors).toContainEqual({ field, message: expect.stringContaining(message) });
      expect(await storedCounts()).toEqual(before);
    },
  );

  it.each([
    ['without ?source=', '/api/ingest', supportEnquiry(), { field: 'source', message: 'Required' }],
    [
      'with an empty body',
      '/api/ingest?source=crm',
      Buffer.alloc(0),
      { field: '(body)', message: 'Must not be empty' },
    ],
    [
      'with a spaced source',
      '/api/ingest?source=my%20crm',
      supportEnquiry(),
      { field: 'source', message: 'Must use only letters, digits, ".", "_" and "-"' },
    ],
  ])('answers 400 for a message/rfc822 body %s', async (_situation, path, message, error) => {
    const before = await storedCounts();
    const response = await fetch(`${gateway.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822' },
      body: message,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown }).errors).toEqual([error]);
    expect(await storedCounts()).toEqual(before);
  });

  it('answers 415 for other body types and 413 for a message over 25 MiB', async () => {
    const plain = await gateway.request('POST', '/api/ingest', 'Subject: hi', {
      'content-type': 'text/plain',
    });
    expect(plain.status).toBe(415);
    expect(plain.body.message).toBe('Request body must be JSON or message/rfc822 (Content-Type header)');

    const huge = await fetch(`${gateway.baseUrl}/api/ingest?source=crm`, {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822' },
      body: Buffer.alloc(25 * 1024 * 1024 + 1, 0x61),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ statusCode: 413, message: 'Request body is too large' });
  });

  it('still holds other endpoints to JSON of the usual size', async () => {
    const response = await gateway.request('POST', '/api/mailboxes', 'Subject: hi', {
      'content-type': 'message/rfc822',
    });
    expect(response.status).toBe(415);
    expect(response.body.message).toBe('Request body must be JSON (Content-Type: application/json)');

    // The ingest parsers must not replace the app's own: JSON is still parsed, with its 100 kB limit.
    const parsed = await gateway.request('PATCH', '/api/settings/tasks/email-processing', { enabled: true });
    expect(parsed.status).toBe(200);
    const large = await gateway.request('PATCH', '/api/settings/tasks/email-processing', {
      enabled: true,
      padding: 'x'.repeat(200 * 1024),
    });
    expect(large.status).toBe(413);
  });
});

describe('ingest documentation endpoints', () => {
  it('serves the JSON Schema of the payload', async () => {
    const { status, body } = await gateway.request('GET', '/api/ingest/schema');
    expect(status).toBe(200);
    expect(body).toEqual(ticketsIngestJsonSchema());
  });

  it('documents POST /api/ingest in OpenAPI with both body types and the 202 answer', async () => {
    const { body: document } = await gateway.request('GET', '/docs-json');
    const operation = document.paths['/api/ingest'].post;
    expect(Object.keys(operation.requestBody.content)).toEqual(['application/json', 'message/rfc822']);
    expect(operation.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/IngestPayload',
    });
    expect(operation.responses['202'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/IngestAccepted',
    });
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['202', '400', '413', '415']));
    expect(document.components.schemas.IngestPayload.oneOf).toHaveLength(2);
    expect(document.paths['/api/ingest/jobs/{jobId}'].get).toBeDefined();
  });

  it('answers 404 for an unknown ingest job', async () => {
    const { status, body } = await gateway.request('GET', '/api/ingest/jobs/ingest-unknown');
    expect(status).toBe(404);
    expect(body).toEqual({ statusCode: 404, message: 'Ingest job ingest-unknown not found' });
  });
});
