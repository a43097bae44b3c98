import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGateway, type GatewayUnderTest } from './gateway-harness';

let gateway: GatewayUnderTest;
let mailboxId: number;
let otherMailboxId: number;

beforeAll(async () => {
  gateway = await startGateway();
  const mailbox = {
    type: 'IMAP',
    host: 'imap.example.com',
    port: 993,
    security: 'tls',
    username: 'u',
    password: 'p',
  };
  mailboxId = (await gateway.request('POST', '/api/mailboxes', { ...mailbox, name: 'Support box' })).body.id;
  otherMailboxId = (await gateway.request('POST', '/api/mailboxes', { ...mailbox, name: 'Sales box' })).body
    .id;
  // A table of the CRM that also receives enquiries, and two that cannot.
  await gateway.db.query(`
    create table crm_enquiry (id serial primary key, email_from varchar(320), email_subject text, email_body text,
                              received_at timestamptz not null default now());
    create table crm_strict (id serial primary key, email_from text, email_subject text, email_body text, owner_id int not null,
                             score int);
  `);
});

afterAll(async () => {
  await gateway?.close();
});

function supportType(overrides: Record<string, unknown> = {}) {
  return {
    task: 'Simple Storage',
    name: 'Support',
    description: 'Questions and enquiries',
    emailTo: 'Support@Example.com',
    workflowTag: 'Support',
    mailboxId,
    emailForward: 'team-lead@example.com',
    adminEmail: 'helpdesk-admin@example.com',
    saveTable: 'crm_enquiry',
    saveFromColumn: 'email_from',
    saveSubjectColumn: 'email_subject',
    saveBodyColumn: 'email_body',
    active: true,
    ...overrides,
  };
}

async function insertTickets(typeId: number, count: number): Promise<void> {
  await gateway.db.query(
    `insert into ticket (type_id, kind, subject) select $1, 'normal', 'Printer ' || n from generate_series(1, $2::int) n`,
    [typeId, count],
  );
}

describe('ticket types: the seven steps of SPEC §8', () => {
  let id: number;

  it('1. the list appears', async () => {
    const response = await gateway.request('GET', '/api/ticket-types');
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it('2. the create form is described (OpenAPI create schema with the fields)', async () => {
    const docs = await gateway.request('GET', '/docs-json');
    const schema = docs.body.components.schemas.TicketTypeCreate;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'task',
        'name',
        'description',
        'emailTo',
        'workflowTag',
        'mailboxId',
        'emailForward',
        'adminEmail',
        'saveTable',
        'saveFromColumn',
        'saveSubjectColumn',
        'saveBodyColumn',
        'active',
      ]),
    );
    expect(schema.properties.task.enum).toEqual(['Simple Storage', 'Assignment', 'Bounce Back']);
  });

  it('3. create with all fields succeeds', async () => {
    const response = await gateway.request('POST', '/api/ticket-types', supportType());
    expect(response.status, response.text).toBe(201);
    id = response.body.id;
    expect(response.body).toMatchObject({
      task: 'Simple Storage',
      name: 'Support',
      description: 'Questions and enquiries',
      emailTo: 'support@example.com',
      workflowTag: 'Support',
      mailboxId,
      mailboxName: 'Support box',
      emailForward: 'team-lead@example.com',
      adminEmail: 'helpdesk-admin@example.com',
      saveTable: 'crm_enquiry',
      saveFromColumn: 'email_from',
      saveSubjectColumn: 'email_subject',
      saveBodyColumn: 'email_body',
      active: true,
      ticketCount: 0,
    });
    const list = await gateway.request('GET', '/api/ticket-types');
    expect(list.body.map((type: { id: number }) => type.id)).toEqual([id]);
  });

  it('4. edit and save succeed; null clears optional fields', async () => {
    const response = await gateway.request('PATCH', `/api/ticket-types/${id}`, {
      name: 'Support desk',
      workflowTag: 'Support Desk',
      mailboxId: otherMailboxId,
      emailForward: null,
      saveTable: null,
      saveFromColumn: null,
      saveSubjectColumn: null,
      saveBodyColumn: null,
      active: false,
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      name: 'Support desk',
      workflowTag: 'Support Desk',
      mailboxId: otherMailboxId,
      mailboxName: 'Sales box',
      emailForward: null,
      saveTable: null,
      saveFromColumn: null,
      active: false,
      emailTo: 'support@example.com',
    });
  });

  it('5. details show correctly', async () => {
    await insertTickets(id, 2);
    const response = await gateway.request('GET', `/api/ticket-types/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id,
      task: 'Simple Storage',
      name: 'Support desk',
      description: 'Questions and enquiries',
      emailTo: 'support@example.com',
      workflowTag: 'Support Desk',
      mailboxId: otherMailboxId,
      adminEmail: 'helpdesk-admin@example.com',
      active: false,
      ticketCount: 2,
    });
    expect(typeof response.body.createdAt).toBe('string');
  });

  it('6. delete asks for confirmation', async () => {
    const response = await gateway.request('DELETE', `/api/ticket-types/${id}`);
    expect(response.status).toBe(400);
    expect(response.body.message).toBe(
      `Deleting ticket type ${id} needs confirmation: repeat the request with ?confirm=true`,
    );
    expect((await gateway.request('GET', `/api/ticket-types/${id}`)).status).toBe(200);
  });

  it('7. confirmed delete removes a type without tickets, and answers 409 with the count otherwise', async () => {
    const refused = await gateway.request('DELETE', `/api/ticket-types/${id}?confirm=true`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      statusCode: 409,
      message: `Ticket type ${id} (Support desk) cannot be deleted: 2 tickets belong to it`,
      relations: { tickets: 2 },
    });

    const unused = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({
        name: 'Assignments',
        task: 'Assignment',
        emailTo: 'assignments@example.com',
        workflowTag: 'Assignment',
      }),
    );
    expect(unused.status, unused.text).toBe(201);
    const deleted = await gateway.request('DELETE', `/api/ticket-types/${unused.body.id}?confirm=true`);
    expect(deleted.status).toBe(204);
    expect((await gateway.request('GET', `/api/ticket-types/${unused.body.id}`)).status).toBe(404);
  });
});

describe('ticket type validation', () => {
  it('answers 400 with one message per bad field', async () => {
    const response = await gateway.request('POST', '/api/ticket-types', {
      task: 'Storage',
      name: 'Bad',
      emailTo: 'not an address',
      workflowTag: 'Support #1]',
      mailboxId: 'one',
      adminEmail: 'admin@example.com, boss@example.com',
      saveTable: 'crm_enquiry; drop table ticket',
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      message: 'Validation failed',
      errors: [
        { field: 'task', message: 'Must be one of: "Simple Storage", "Assignment", "Bounce Back"' },
        { field: 'emailTo', message: 'Must be one email address' },
        {
          field: 'workflowTag',
          message: 'Must be words of letters, digits, _ and - separated by single spaces',
        },
        { field: 'mailboxId', message: 'Must be a number' },
        { field: 'adminEmail', message: 'Must be one email address' },
        {
          field: 'saveTable',
          message:
            'Must be a table name of letters, digits and _ (not starting with a digit, at most 63 characters)',
        },
      ],
    });
  });

  it('needs an existing mailbox', async () => {
    const response = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ mailboxId: 424242, emailTo: 'x@example.com' }),
    );
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'mailboxId', message: 'Mailbox 424242 does not exist' }]);
  });

  it('checks the save table and its columns against the catalogue', async () => {
    const base = { emailTo: 'crm@example.com', workflowTag: 'CRM', name: 'CRM' };
    const missingTable = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ ...base, saveTable: 'no_such_table' }),
    );
    expect(missingTable.body.errors).toEqual([
      { field: 'saveTable', message: 'Table "no_such_table" does not exist in the current schema' },
    ]);

    const badColumns = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ ...base, saveTable: 'crm_strict', saveSubjectColumn: 'score', saveBodyColumn: 'nope' }),
    );
    expect(badColumns.body.errors).toEqual([
      { field: 'saveSubjectColumn', message: 'Column "score" is integer; a text column is needed' },
      { field: 'saveBodyColumn', message: 'Column "nope" does not exist in table "crm_strict"' },
      {
        field: 'saveTable',
        message: 'Table "crm_strict" has required columns the engine cannot fill: owner_id',
      },
    ]);

    const ownTable = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ ...base, saveTable: 'ticket', saveFromColumn: 'subject', saveSubjectColumn: 'subject' }),
    );
    expect(ownTable.body.errors).toEqual([
      { field: 'saveSubjectColumn', message: 'Must differ from saveFromColumn' },
      { field: 'saveTable', message: '"ticket" is one of the engine\'s own tables' },
    ]);

    const incomplete = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ ...base, saveBodyColumn: null }),
    );
    expect(incomplete.body.errors).toEqual([
      { field: 'saveBodyColumn', message: 'Required when saveTable is set' },
    ]);

    const columnWithoutTable = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ ...base, saveTable: null, saveSubjectColumn: null, saveBodyColumn: null }),
    );
    expect(columnWithoutTable.body.errors).toEqual([
      { field: 'saveFromColumn', message: 'Needs saveTable (or send null to clear the column)' },
    ]);
  });

  it('an edit is checked together with the stored values', async () => {
    const created = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ name: 'Billing', emailTo: 'billing@example.com', workflowTag: 'Billing' }),
    );
    expect(created.status, created.text).toBe(201);
    const response = await gateway.request('PATCH', `/api/ticket-types/${created.body.id}`, {
      saveBodyColumn: 'received_at',
    });
    expect(response.body.errors).toEqual([
      {
        field: 'saveBodyColumn',
        message: 'Column "received_at" is timestamp with time zone; a text column is needed',
      },
    ]);
    const empty = await gateway.request('PATCH', `/api/ticket-types/${created.body.id}`, { name: '' });
    expect(empty.body.errors).toEqual([{ field: 'name', message: 'Must not be empty' }]);
  });

  it('two active types cannot share an address', async () => {
    const first = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ name: 'Info', emailTo: 'info@example.com', workflowTag: 'Info' }),
    );
    expect(first.status).toBe(201);
    const second = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ name: 'Info 2', emailTo: 'INFO@example.com', workflowTag: 'Info2' }),
    );
    expect(second.body.errors).toEqual([
      { field: 'emailTo', message: `Ticket type ${first.body.id} (Info) already uses this address` },
    ]);
    const inactive = await gateway.request(
      'POST',
      '/api/ticket-types',
      supportType({ name: 'Info old', emailTo: 'info@example.com', workflowTag: 'Info', active: false }),
    );
    expect(inactive.status).toBe(201);
  });
});
