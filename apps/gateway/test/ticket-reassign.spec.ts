import { createQueue, jobId, QueueName } from '@twe/queues';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGateway, type GatewayUnderTest } from './gateway-harness';

/** POST /api/tickets/:id/reassign on a real database and Redis (the job is checked in the queue). */
let gateway: GatewayUnderTest;
let outboundQueue: Queue;
let mailboxId: number;
let supportTypeId: number;
let inactiveTypeId: number;

beforeAll(async () => {
  gateway = await startGateway();
  outboundQueue = createQueue(QueueName.OutboundSend, {
    redisUrl: gateway.redisUrl,
    prefix: gateway.queuePrefix,
  });
  const db = gateway.db;
  const mailbox = await db.query(
    `insert into mailbox (name, kind, host, port, security, username) values ('Box', 'IMAP', 'h', 993, 'tls', 'u') returning id`,
  );
  mailboxId = mailbox.rows[0].id;
  const types = await db.query(
    `insert into ticket_type (task, name, email_to, workflow_tag, mailbox_id, admin_email, email_forward, active) values
       ('Simple Storage', 'Support', 'support@example.com', 'Support', $1, 'admin@example.com', 'archive@example.com', true),
       ('Simple Storage', 'Old', 'old@example.com', 'Old', $1, 'old-admin@example.com', null, false)
     returning id`,
    [mailboxId],
  );
  supportTypeId = types.rows[0].id;
  inactiveTypeId = types.rows[1].id;
});

afterAll(async () => {
  await outboundQueue?.close();
  await gateway?.close();
});

async function invalidTicket(subject: string): Promise<{ ticketId: number; logId: number }> {
  const db = gateway.db;
  const inbound = await db.query(
    `insert into inbound_message (mailbox_id, remote_id, raw, size, sha256, state)
     values ($1, $2, 'raw', 3, repeat('a', 64), 'processed') returning id`,
    [mailboxId, `r-${subject}`],
  );
  const ticket = await db.query(
    `insert into ticket (type_id, kind, status, subject) values (null, 'invalid', 'New', $1) returning id`,
    [subject],
  );
  const log = await db.query(
    `insert into ticket_log (ticket_id, inbound_message_id, direction, from_address, from_name, subject, message_id, body_text)
     values ($1, $2, 'inbound', 'jane@customer.example', 'Jane', $3, $4, 'It does not print.')
     returning id`,
    [ticket.rows[0].id, inbound.rows[0].id, subject, `<m-${ticket.rows[0].id}@customer.example>`],
  );
  return { ticketId: ticket.rows[0].id, logId: log.rows[0].id };
}

describe('POST /api/tickets/:id/reassign', () => {
  it('gives an invalid ticket its type and queues + enqueues the notification it never got', async () => {
    const { ticketId, logId } = await invalidTicket('Printer broken');
    const response = await gateway.request('POST', `/api/tickets/${ticketId}/reassign`, {
      ticketTypeId: supportTypeId,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ticketId, ticketTypeId: supportTypeId, kind: 'normal' });
    expect(response.body.emailQueueIds).toHaveLength(2);

    const ticket = await gateway.db.query('select type_id, kind, status from ticket where id = $1', [
      ticketId,
    ]);
    expect(ticket.rows[0]).toEqual({ type_id: supportTypeId, kind: 'normal', status: 'New' });
    const log = await gateway.db.query('select receiver_email, receiver_name from ticket_log where id = $1', [
      logId,
    ]);
    expect(log.rows[0]).toEqual({ receiver_email: 'admin@example.com', receiver_name: 'Support' });

    const emails = await gateway.db.query(
      `select id, purpose, to_addresses, from_address, subject, status, in_reply_to, body_text
         from email_queue where ticket_id = $1 order by id`,
      [ticketId],
    );
    expect(emails.rows.map((row) => [row.purpose, row.to_addresses, row.status])).toEqual([
      ['notification', 'admin@example.com', 'queued'],
      ['forward', 'archive@example.com', 'queued'],
    ]);
    for (const row of emails.rows) {
      expect(row.from_address).toBe('"Support" <support@example.com>');
      expect(row.subject).toBe(`[Support #${ticketId}-${logId}] Printer broken`);
      expect(row.in_reply_to).toBe(`<m-${ticketId}@customer.example>`);
      expect(row.body_text).toContain('It does not print.');
      expect(await outboundQueue.getJob(jobId.outbound(row.id))).toBeDefined();
    }
    expect(emails.rows.map((row) => row.id)).toEqual(response.body.emailQueueIds);

    // The ticket detail shows the type now; the status history is unchanged (reassigning is no status change).
    const detail = await gateway.request('GET', `/api/tickets/${ticketId}`);
    expect(detail.body).toMatchObject({
      kind: 'normal',
      type: { id: supportTypeId },
      previousTicketId: null,
      statusChanges: [],
    });
    expect(detail.body.logs[0]).toMatchObject({
      threadingNote: null,
      machineMail: null,
      notificationNote: null,
    });
  });

  it('refuses a second reassignment (409): the notification is never queued twice', async () => {
    const { ticketId } = await invalidTicket('Twice');
    expect(
      (await gateway.request('POST', `/api/tickets/${ticketId}/reassign`, { ticketTypeId: supportTypeId }))
        .status,
    ).toBe(200);
    const again = await gateway.request('POST', `/api/tickets/${ticketId}/reassign`, {
      ticketTypeId: supportTypeId,
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe(`Ticket ${ticketId} is normal: only invalid tickets can be reassigned`);
    const count = await gateway.db.query('select count(*)::int as n from email_queue where ticket_id = $1', [
      ticketId,
    ]);
    expect(count.rows[0].n).toBe(2);
  });

  it.each([
    ['an unknown ticket type', () => ({ ticketTypeId: 999_999 }), () => 'Ticket type 999999 not found'],
    [
      'an inactive ticket type',
      () => ({ ticketTypeId: inactiveTypeId }),
      () => `Ticket type ${inactiveTypeId} is inactive`,
    ],
  ])('answers 400 for %s and leaves the ticket invalid', async (_situation, body, message) => {
    const { ticketId } = await invalidTicket(`Bad type ${message()}`);
    const response = await gateway.request('POST', `/api/tickets/${ticketId}/reassign`, body());
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'ticketTypeId', message: message() }]);
    const ticket = await gateway.db.query('select kind, type_id from ticket where id = $1', [ticketId]);
    expect(ticket.rows[0]).toEqual({ kind: 'invalid', type_id: null });
  });

  it.each([
    ['no body field', {}],
    ['a string id', { ticketTypeId: '1' }],
    ['an unknown field', { ticketTypeId: 1, status: 'Open' }],
  ])('answers 400 for %s', async (_situation, body) => {
    const { ticketId } = await invalidTicket(`Bad body ${JSON.stringify(body)}`);
    expect((await gateway.request('POST', `/api/tickets/${ticketId}/reassign`, body)).status).toBe(400);
  });

  it('answers 404 for a ticket that does not exist', async () => {
    const response = await gateway.request('POST', '/api/tickets/987654/reassign', {
      ticketTypeId: supportTypeId,
    });
    expect(response.status).toBe(404);
    expect(response.body.message).toBe('Ticket 987654 not found');
  });
});
