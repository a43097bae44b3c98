import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGateway, type GatewayUnderTest } from './gateway-harness';

let gateway: GatewayUnderTest;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.close();
});

describe('background task settings', () => {
  it('lists both tasks with their defaults', async () => {
    const response = await gateway.request('GET', '/api/settings/tasks');
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      expect.objectContaining({
        name: 'email-processing',
        label: 'Email Processing Task',
        intervalSeconds: 600,
        enabled: true,
      }),
      expect.objectContaining({
        name: 'email-sending',
        label: 'Email Sending Task',
        intervalSeconds: 60,
        enabled: true,
      }),
    ]);
  });

  it('persists a change in the table the workers read', async () => {
    const response = await gateway.request('PATCH', '/api/settings/tasks/email-processing', {
      intervalSeconds: 30,
      enabled: false,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: 'email-processing', intervalSeconds: 30, enabled: false });
    const { rows } = await gateway.db.query(
      `select interval_seconds, enabled from background_task_setting where name = 'email-processing'`,
    );
    expect(rows).toEqual([{ interval_seconds: 30, enabled: false }]);

    const partial = await gateway.request('PATCH', '/api/settings/tasks/email-processing', { enabled: true });
    expect(partial.body).toMatchObject({ intervalSeconds: 30, enabled: true });
    const list = await gateway.request('GET', '/api/settings/tasks');
    expect(list.body[0]).toMatchObject({ name: 'email-processing', intervalSeconds: 30, enabled: true });
  });

  it('validates the interval and the task name', async () => {
    const tooShort = await gateway.request('PATCH', '/api/settings/tasks/email-sending', {
      intervalSeconds: 4,
      enabled: 'yes',
    });
    expect(tooShort.body).toEqual({
      statusCode: 400,
      message: 'Validation failed',
      errors: [
        { field: 'intervalSeconds', message: 'Must be at least 5' },
        { field: 'enabled', message: 'Must be true or false' },
      ],
    });
    const unknown = await gateway.request('PATCH', '/api/settings/tasks/email-juggling', { enabled: false });
    expect(unknown.status).toBe(404);
  });
});

describe('tickets (read-only)', () => {
  const CONTENT = 'ATTACHMENT-CONTENT-BYTES-9d1e';
  let normalTicketId: number;
  let typeId: number;

  beforeAll(async () => {
    const db = gateway.db;
    const mailbox = await db.query(
      `insert into mailbox (name, kind, host, port, security, username) values ('Box', 'IMAP', 'h', 993, 'tls', 'u') returning id`,
    );
    const type = await db.query(
      `insert into ticket_type (task, name, email_to, workflow_tag, mailbox_id, admin_email)
       values ('Simple Storage', 'Support', 'support@example.com', 'Support', $1, 'admin@example.com') returning id`,
      [mailbox.rows[0].id],
    );
    typeId = type.rows[0].id;
    const contact = await db.query(
      `insert into contact (email, name) values ('jane@customer.example', 'Jane') returning id`,
    );
    const inbound = await db.query(
      `insert into inbound_message (mailbox_id, remote_id, raw, size, sha256) values ($1, '1:1', 'raw', 3, repeat('a', 64)) returning id`,
      [mailbox.rows[0].id],
    );
    const normal = await db.query(
      `insert into ticket (type_id, kind, status, subject, contact_id, created_at)
       values ($1, 'normal', 'Open', 'Printer broken', $2, '2026-01-01T10:00:00Z') returning id`,
      [typeId, contact.rows[0].id],
    );
    normalTicketId = normal.rows[0].id;
    await db.query(
      `insert into ticket (type_id, kind, status, subject, contact_id, created_at) values
         (null, 'invalid', 'New', 'Dragged in', null, '2026-01-03T10:00:00Z'),
         (null, 'error', 'New', '(unreadable)', null, '2026-01-02T10:00:00Z')`,
    );
    const firstLog = await db.query(
      `insert into ticket_log (ticket_id, inbound_message_id, direction, from_address, from_name, subject, message_id,
                               body_text, body_html, body_text_new, quoted_text, receiver_name, receiver_email,
                               receiver_contact_id, created_at)
       values ($1, $2, 'inbound', 'jane@customer.example', 'Jane', 'Printer broken', '<m1@customer.example>',
               E'It does not print.\n> Old', '<p>It does not print.</p>', 'It does not print.', '> Old',
               'Helpdesk admin', 'admin@example.com', null, '2026-01-01T10:00:00Z') returning id`,
      [normalTicketId, inbound.rows[0].id],
    );
    await db.query(
      `insert into ticket_log (ticket_id, direction, from_address, subject, body_text, created_at)
       values ($1, 'outbound', 'support@example.com', '[Support #1-1] Printer broken', 'We are on it.', '2026-01-01T11:00:00Z')`,
      [normalTicketId],
    );
    await db.query(
      `insert into attachment (ticket_log_id, filename, content_type, size, sha256, content)
       values ($1, 'error.png', 'image/png', 29, repeat('b', 64), convert_to($2, 'UTF8')),
              ($1, null, 'text/plain', 29, repeat('c', 64), convert_to($2, 'UTF8'))`,
      [firstLog.rows[0].id, CONTENT],
    );
  });

  it('lists tickets newest first with type name, contact email and log count', async () => {
    const response = await gateway.request('GET', '/api/tickets');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ page: 1, pageSize: 20, total: 3, totalPages: 1 });
    expect(response.body.items.map((ticket: { subject: string }) => ticket.subject)).toEqual([
      'Dragged in',
      '(unreadable)',
      'Printer broken',
    ]);
    expect(response.body.items[2]).toMatchObject({
      id: normalTicketId,
      kind: 'normal',
      status: 'Open',
      type: { id: typeId, name: 'Support', workflowTag: 'Support' },
      contactEmail: 'jane@customer.example',
      logCount: 2,
      createdAt: '2026-01-01T10:00:00.000Z',
    });
    expect(response.body.items[0]).toMatchObject({
      kind: 'invalid',
      type: null,
      contactEmail: null,
      logCount: 0,
    });
  });

  it('pages and filters', async () => {
    const page2 = await gateway.request('GET', '/api/tickets?page=2&pageSize=2');
    expect(page2.body).toMatchObject({ page: 2, pageSize: 2, total: 3, totalPages: 2 });
    expect(page2.body.items.map((ticket: { subject: string }) => ticket.subject)).toEqual(['Printer broken']);
    const byKind = await gateway.request('GET', '/api/tickets?kind=invalid');
    expect(byKind.body.items.map((ticket: { kind: string }) => ticket.kind)).toEqual(['invalid']);
    const byType = await gateway.request(`GET`, `/api/tickets?typeId=${typeId}&status=Open`);
    expect(byType.body.total).toBe(1);
    const none = await gateway.request('GET', '/api/tickets?status=Closed');
    expect(none.body).toMatchObject({ items: [], total: 0 });
    const bad = await gateway.request('GET', '/api/tickets?page=0&pageSize=500&status=Done&type=1');
    expect(bad.body.errors).toEqual([
      { field: 'page', message: 'Must be at least 1' },
      { field: 'pageSize', message: 'Must be at most 100' },
      { field: 'status', message: 'Must be one of: "New", "Open", "Pending", "Resolved", "Closed"' },
      { field: 'type', message: 'Unknown field' },
    ]);
  });

  it('shows a ticket with its logs and attachment metadata, never attachment content', async () => {
    const response = await gateway.request('GET', `/api/tickets/${normalTicketId}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: normalTicketId,
      subject: 'Printer broken',
      contact: { email: 'jane@customer.example', name: 'Jane' },
      errorReason: null,
      logCount: 2,
    });
    const [first, second] = response.body.logs;
    expect(first).toMatchObject({
      direction: 'inbound',
      from: { address: 'jane@customer.example', name: 'Jane' },
      subject: 'Printer broken',
      messageId: '<m1@customer.example>',
      receiver: { name: 'Helpdesk admin', email: 'admin@example.com', contactId: null },
      textBody: 'It does not print.\n> Old',
      newText: 'It does not print.',
      quotedText: '> Old',
      createdAt: '2026-01-01T10:00:00.000Z',
    });
    expect(first.attachments).toEqual([
      {
        id: expect.any(Number),
        filename: 'error.png',
        contentType: 'image/png',
        size: 29,
        sha256: 'b'.repeat(64),
        inline: false,
      },
      {
        id: expect.any(Number),
        filename: null,
        contentType: 'text/plain',
        size: 29,
        sha256: 'c'.repeat(64),
        inline: false,
      },
    ]);
    expect(second).toMatchObject({
      direction: 'outbound',
      subject: '[Support #1-1] Printer broken',
      attachments: [],
    });
    expect(response.text).not.toContain(CONTENT);
    expect(response.text).not.toContain(Buffer.from(CONTENT).toString('base64'));
    expect(response.text).not.toContain('<p>');

    expect((await gateway.request('GET', '/api/tickets/987654')).body).toEqual({
      statusCode: 404,
      message: 'Ticket 987654 not found',
    });
  });
});

describe('OpenAPI', () => {
  it('serves the UI at /docs and a document listing every path at /docs-json', async () => {
    const ui = await gateway.request('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');

    const docs = await gateway.request('GET', '/docs-json');
    expect(docs.status).toBe(200);
    const methods = Object.entries(docs.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(methods).toEqual(
      expect.arrayContaining([
        'GET /api/mailboxes',
        'POST /api/mailboxes',
        'GET /api/mailboxes/{id}',
        'PATCH /api/mailboxes/{id}',
        'DELETE /api/mailboxes/{id}',
        'POST /api/mailboxes/{id}/fetch-now',
        'GET /api/ticket-types',
        'POST /api/ticket-types',
        'GET /api/ticket-types/{id}',
        'PATCH /api/ticket-types/{id}',
        'DELETE /api/ticket-types/{id}',
        'GET /api/settings/tasks',
        'PATCH /api/settings/tasks/{name}',
        'GET /api/tickets',
        'GET /api/tickets/{id}',
      ]),
    );
  });

  it('documents secrets as write-only and never as response fields', async () => {
    const { schemas } = (await gateway.request('GET', '/docs-json')).body.components;
    for (const field of ['password', 'clientSecret', 'refreshToken']) {
      expect(schemas.MailboxCreate.properties[field].writeOnly).toBe(true);
      expect(schemas.MailboxUpdate.properties[field].writeOnly).toBe(true);
      expect(schemas.Mailbox.properties).not.toHaveProperty(field);
    }
    expect(schemas.Mailbox.properties).toHaveProperty('passwordSet');
    expect(schemas.ValidationError.properties).toHaveProperty('errors');
  });
});
