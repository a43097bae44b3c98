import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildAutoReply,
  buildDeliveryStatusNotification,
  startPipelineScenario,
  SUPPORT_ADDRESS,
  SUPPORT_ADMIN,
  SUPPORT_FORWARD,
  type PipelineScenario,
} from '@twe/testing';

/*
 * Issue 5 end to end on real parts: the five services as processes, PostgreSQL, Redis, a Dovecot
 * holding the helpdesk mailbox AND a bounce mailbox (with a `Bounce Back` type), and an SMTP sink that
 * refuses chosen recipients at RCPT TO with `550 5.1.1`. Nothing is mocked.
 *
 * The story: staff addresses write in first (so they are contacts), then the forward address starts
 * refusing mail (a synchronous bounce), then DSNs and an auto-reply reach the bounce mailbox.
 */

const BOUNCE_ADDRESS = 'bounces@bounce.helpdesk.example.com';
const BOUNCE_DOMAIN = 'bounce.helpdesk.example.com';
const BOUNCE_PASSWORD = 'bounce-mailbox-password';
const refused = new Set<string>();

let scenario: PipelineScenario;
let bounceMailboxId: number;
let seq = 0;

interface Api {
  status: number;
  // Tests read arbitrary response fields.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function api(method: string, path: string, body?: unknown): Promise<Api> {
  const response = await fetch(`${scenario.system.gatewayUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function enquiry(from: string, subject: string): Buffer {
  seq += 1;
  return Buffer.from(
    [
      `From: ${from}`,
      `To: ${SUPPORT_ADDRESS}`,
      `Subject: ${subject}`,
      `Message-ID: <enquiry-${seq}-${Date.now()}@customer.example>`,
      'Date: Wed, 4 Dec 2026 07:00:00 +0000',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The printer on floor 3 is jammed again.',
      '',
    ].join('\r\n'),
  );
}

async function deliverToBounceMailbox(message: Buffer): Promise<void> {
  const client = new ImapFlow({
    host: scenario.dovecot.host,
    port: scenario.dovecot.imapsPort,
    secure: true,
    tls: { ca: [scenario.dovecot.caCertPem] },
    auth: { user: BOUNCE_ADDRESS, pass: BOUNCE_PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    await client.append('INBOX', message);
  } finally {
    await client.logout();
  }
  const response = await api('POST', `/api/mailboxes/${bounceMailboxId}/fetch-now`);
  expect(response.status).toBeLessThan(300);
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await scenario.query<{ n: string }>(sql, params);
  return Number(row.n);
}

interface EmailRow extends Record<string, unknown> {
  id: number;
  to_addresses: string;
  status: string;
  last_error: string | null;
  message_id: string;
  subject: string;
  attempts: number;
}

/** The email rows of the ticket made from the enquiry with this subject, by recipient. */
async function emailsFor(subject: string): Promise<Map<string, EmailRow>> {
  const rows = await scenario.query<EmailRow>(
    `select e.id, e.to_addresses, e.status, e.last_error, e.message_id, e.subject, e.attempts
       from email_queue e join ticket t on t.id = e.ticket_id where t.subject = $1 order by e.id`,
    [subject],
  );
  return new Map(rows.map((row) => [row.to_addresses, row]));
}

async function contactId(email: string): Promise<number> {
  const [row] = await scenario.query<{ id: number }>('select id from contact where email = $1', [email]);
  return row.id;
}

/** Appends enquiries to the helpdesk mailbox and waits until every resulting email row is final. */
async function enquire(messages: Buffer[]): Promise<void> {
  const before = await count('select count(*) as n from inbound_message');
  await scenario.appendMessages(messages);
  await scenario.fetchNow();
  await scenario.waitUntilSettled(before + messages.length, 60_000);
}

/** Waits until the bounce mailbox message is processed by the bounce-worker. */
async function waitForBounceMailbox(expectedProcessed: number): Promise<void> {
  await scenario.waitFor(
    `${expectedProcessed} bounce mailbox message(s) processed`,
    async () =>
      (await count(
        `select count(*) as n from inbound_message where mailbox_id = $1 and state = 'processed'`,
        [bounceMailboxId],
      )) >= expectedProcessed,
    60_000,
  );
}

beforeAll(async () => {
  scenario = await startPipelineScenario({
    sinkOptions: {
      rejectRecipient: (address) =>
        refused.has(address.toLowerCase())
          ? {
              code: 550,
              message: `5.1.1 <${address}>: Recipient address rejected: User unknown in virtual mailbox table`,
            }
          : null,
    },
  });
  await scenario.dovecot.addUser(BOUNCE_ADDRESS, BOUNCE_PASSWORD);
  const mailbox = await api('POST', '/api/mailboxes', {
    name: 'Bounces',
    type: 'IMAP',
    host: scenario.dovecot.host,
    port: scenario.dovecot.imapPort,
    security: 'starttls',
    username: BOUNCE_ADDRESS,
    password: BOUNCE_PASSWORD,
    trustedCaPem: scenario.dovecot.caCertPem,
  });
  expect(mailbox.status).toBe(201);
  bounceMailboxId = mailbox.body.id;
  const type = await api('POST', '/api/ticket-types', {
    task: 'Bounce Back',
    name: 'Bounces',
    emailTo: BOUNCE_ADDRESS,
    workflowTag: 'Bounce',
    mailboxId: bounceMailboxId,
    // The bounce type's admin must never hear of bounces (that is how bounce storms start).
    adminEmail: SUPPORT_ADMIN,
    active: true,
  });
  expect(type.status).toBe(201);
  // The staff addresses write in first, so they are contacts (the bounces tab is a contact's).
  await enquire([
    enquiry(`"Archive" <${SUPPORT_FORWARD}>`, 'Archive check-in'),
    enquiry(`"Admin" <${SUPPORT_ADMIN}>`, 'Admin check-in'),
  ]);
}, 300_000);

afterAll(async () => {
  await scenario?.stop();
});

describe('bounces end to end', () => {
  let adminRow: EmailRow;
  let secondAdminRow: EmailRow;

  it('sends every outbound email with a VERP return path that names its row', async () => {
    const [mail] = scenario.sink.messages.filter((message) => message.envelopeTo.includes(SUPPORT_ADMIN));
    const id = Number(mail.parsed.headers.get('x-twe-email-id'));
    expect(mail.envelopeFrom).toBe(`bounces+${id}@${BOUNCE_DOMAIN}`);
    const [row] = await scenario.query<{ to_addresses: string }>(
      'select to_addresses from email_queue where id = $1',
      [id],
    );
    expect(row.to_addresses).toBe(SUPPORT_ADMIN);
  });

  it('(a) records an address the relay refuses at RCPT TO as a bounce of the contact and the email row', async () => {
    refused.add(SUPPORT_FORWARD);
    await enquire([enquiry('"Carol" <carol@customer.example>', 'Printer jammed')]);
    const emails = await emailsFor('Printer jammed');
    const forward = emails.get(SUPPORT_FORWARD)!;
    adminRow = emails.get(SUPPORT_ADMIN)!;
    expect(forward).toMatchObject({ status: 'failed', attempts: 1 });
    expect(forward.last_error).toContain('550');
    expect(adminRow.status).toBe('sent');

    const list = await api('GET', '/api/bounces');
    expect(list.status).toBe(200);
    const archiveId = await contactId(SUPPORT_FORWARD);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        kind: 'bounce',
        source: 'smtp-rejection',
        state: 'Unresolved',
        recipient: SUPPORT_FORWARD,
        status: '5.1.1',
        replyCode: '550',
        reason: 'userunknown',
        hardBounce: true,
        emailQueueId: forward.id,
        contacts: [
          expect.objectContaining({
            id: archiveId,
            email: SUPPORT_FORWARD,
            undeliverableSince: expect.any(String),
          }),
        ],
      }),
    ]);
  });

  it('refuses to send to an undeliverable contact with a clear reason, and sends nothing to it', async () => {
    const [bounce] = (await api('GET', `/api/contacts/${await contactId(SUPPORT_FORWARD)}/bounces`)).body
      .items;
    const sinkBefore = scenario.sink.messages.length;
    await enquire([enquiry('"Dave" <dave@customer.example>', 'Scanner offline')]);
    const emails = await emailsFor('Scanner offline');
    const forward = emails.get(SUPPORT_FORWARD)!;
    secondAdminRow = emails.get(SUPPORT_ADMIN)!;
    expect(forward.status).toBe('failed');
    expect(forward.last_error).toMatch(
      new RegExp(
        `^recipient ${SUPPORT_FORWARD} is marked undeliverable since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(bounce #${bounce.id}\\): resolve the bounce to send again$`,
      ),
    );
    expect(secondAdminRow.status).toBe('sent');
    // Only the admin's notification went out.
    expect(scenario.sink.messages.slice(sinkBefore).map((message) => message.envelopeTo)).toEqual([
      [SUPPORT_ADMIN],
    ]);
  });

  it('(b) links a DSN sent to our VERP return path to the contact and the email row; staff resolve it', async () => {
    const ticketsBefore = await count('select count(*) as n from ticket');
    await deliverToBounceMailbox(
      buildDeliveryStatusNotification({
        id: 'e2e-verp',
        to: `bounces+${adminRow.id}@${BOUNCE_DOMAIN}`,
        failures: [
          {
            recipient: SUPPORT_ADMIN,
            status: '5.1.1',
            diagnostic: `550 5.1.1 <${SUPPORT_ADMIN}>: Recipient address rejected: User unknown in local recipient table`,
          },
        ],
        original: {
          messageId: adminRow.message_id,
          subject: adminRow.subject,
          from: `"Support" <${SUPPORT_ADDRESS}>`,
          to: SUPPORT_ADMIN,
        },
      }),
    );
    await waitForBounceMailbox(1);
    expect(await count('select count(*) as n from ticket')).toBe(ticketsBefore);

    const adminId = await contactId(SUPPORT_ADMIN);
    const listed = (await api('GET', `/api/bounces?contactId=${adminId}`)).body.items;
    expect(listed).toHaveLength(1);
    const bounce = listed[0];
    expect(bounce).toMatchObject({
      source: 'dsn',
      state: 'Unresolved',
      recipient: SUPPORT_ADMIN,
      status: '5.1.1',
      reason: 'userunknown',
      hardBounce: true,
      reportingMta: 'mx1.recipient.example.net',
      originalMessageId: adminRow.message_id,
      emailQueueId: adminRow.id,
      contacts: [expect.objectContaining({ id: adminId, undeliverableSince: expect.any(String) })],
    });

    const details = await api('GET', `/api/bounces/${bounce.id}`);
    expect(details.body).toMatchObject({
      emailMatchedBy: 'verp',
      email: { id: adminRow.id, status: 'bounced', to: SUPPORT_ADMIN, messageId: adminRow.message_id },
    });

    const resolved = await api('POST', `/api/bounces/${bounce.id}/resolve`, {
      note: 'admin mailbox re-created',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.state).toBe('Resolved');
    expect(
      (await api('GET', '/api/bounces')).body.items.map((item: { id: number }) => item.id),
    ).not.toContain(bounce.id);
    expect(
      (await api('GET', '/api/bounces?status=resolved')).body.items.map((item: { id: number }) => item.id),
    ).toEqual([bounce.id]);
    const tab = (await api('GET', `/api/contacts/${adminId}/bounces`)).body.items;
    expect(tab.map((item: { id: number; state: string }) => [item.id, item.state])).toEqual([
      [bounce.id, 'Resolved'],
    ]);
    // The contact's last hard bounce is resolved: it receives mail again.
    expect(tab[0].contacts[0].undeliverableSince).toBeNull();
  });

  it('(c) a bounce of a notification whose admin address bounces causes no further mail (no bounce storm)', async () => {
    const sinkBefore = scenario.sink.messages.length;
    const rowsBefore = await count('select count(*) as n from email_queue');
    const ticketsBefore = await count('select count(*) as n from ticket');
    // Sent to the bounce type's own address (no VERP) and matched by the quoted Message-ID. The
    // bounce type's admin is this very address: a notification about the bounce would bounce again.
    await deliverToBounceMailbox(
      buildDeliveryStatusNotification({
        id: 'e2e-storm',
        to: BOUNCE_ADDRESS,
        failures: [{ recipient: SUPPORT_ADMIN, status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full' }],
        original: {
          messageId: secondAdminRow.message_id,
          subject: secondAdminRow.subject,
          from: `"Support" <${SUPPORT_ADDRESS}>`,
          to: SUPPORT_ADMIN,
        },
      }),
    );
    await waitForBounceMailbox(2);
    await scenario.waitUntilSettled(0, 30_000);

    const [bounce] = await scenario.query<{
      email_queue_id: number;
      email_matched_by: string;
      reason: string;
    }>(`select email_queue_id, email_matched_by, reason from bounce where original_message_id = $1`, [
      secondAdminRow.message_id,
    ]);
    expect(bounce).toEqual({
      email_queue_id: secondAdminRow.id,
      email_matched_by: 'message-id',
      reason: 'mailboxfull',
    });
    // Any outbound mail starts as an email_queue row written with the processing: there is none, and
    // the sink got nothing.
    expect(await count('select count(*) as n from email_queue')).toBe(rowsBefore);
    expect(await count('select count(*) as n from ticket')).toBe(ticketsBefore);
    expect(scenario.sink.messages.length).toBe(sinkBefore);
  });

  it('(d) records an auto-reply reaching the bounce mailbox as an auto-reply, not a bounce', async () => {
    const rowsBefore = await count('select count(*) as n from email_queue');
    await deliverToBounceMailbox(
      buildAutoReply({
        id: 'e2e-ooo',
        from: `"Admin" <${SUPPORT_ADMIN}>`,
        to: `bounces+${secondAdminRow.id}@${BOUNCE_DOMAIN}`,
        subject: secondAdminRow.subject,
      }),
    );
    await waitForBounceMailbox(3);

    const autoReplies = (await api('GET', '/api/bounces?kind=auto-reply&status=all')).body.items;
    expect(autoReplies).toEqual([
      expect.objectContaining({
        kind: 'auto-reply',
        recipient: SUPPORT_ADMIN,
        hardBounce: false,
        emailQueueId: secondAdminRow.id,
      }),
    ]);
    const bounces = (await api('GET', '/api/bounces?status=all')).body.items;
    expect(bounces.map((item: { kind: string }) => item.kind)).toEqual(['bounce', 'bounce', 'bounce']);
    expect(await count('select count(*) as n from email_queue')).toBe(rowsBefore);
    // An auto-reply is no reason to stop mailing the admin.
    expect(
      await count('select count(*) as n from contact where email = $1 and undeliverable_since is null', [
        SUPPORT_ADMIN,
      ]),
    ).toBe(1);
  });
});
