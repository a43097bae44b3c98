import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  mailExpectations,
  REDMINE_ADMIN,
  startPipelineScenario,
  SUPPORT_ADDRESS,
  SUPPORT_ADMIN,
  SUPPORT_FORWARD,
  type PipelineScenario,
} from '@twe/testing';

import { sampleOutcomes, type SampleOutcome } from './mail-expectations';

/**
 * Issue 2, end to end on real parts: real corpus mail APPENDed to a real Dovecot over IMAP, the
 * four services as separate processes, PostgreSQL, Redis, and an SMTP sink receiving notifications.
 */
const MAX_MESSAGE_BYTES = 64 * 1024; // phpmmp-issue408.eml (111,476 bytes) must become an error ticket

// Every public sample, except: the 0-byte file (IMAP cannot APPEND an empty message; the processor
// test covers it), and the second copy of the duplicate pair (duplicate delivery is issue 4's rule).
const EXCLUDED = new Set(['syn-13-zero-byte-file.eml', 'syn-11-duplicate-b.eml']);

interface TicketRow extends Record<string, unknown> {
  ticket_id: number;
  kind: string;
  type_name: string | null;
  contact_email: string | null;
  log_id: number;
  sha256: string;
  receiver_email: string | null;
}

describe('pipeline end to end (IMAP -> tickets -> SMTP notifications)', () => {
  let scenario: PipelineScenario;
  let samples: SampleOutcome[];
  let rows: TicketRow[];

  beforeAll(async () => {
    const files = mailExpectations()
      .map((record) => record.file)
      .filter((file) => !EXCLUDED.has(file) && file !== 'syn-15-large-30mb.eml');
    samples = sampleOutcomes(files, MAX_MESSAGE_BYTES);
    scenario = await startPipelineScenario({ env: { FETCH_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) } });
    await scenario.appendMessages(samples.map((sample) => sample.raw));
    await scenario.fetchNow();
    await scenario.waitUntilSettled(samples.length, 120_000);
    rows = await scenario.query<TicketRow>(
      `select t.id as ticket_id, t.kind, tt.name as type_name, c.email as contact_email, l.id as log_id,
              m.sha256, l.receiver_email
         from ticket t
         join ticket_log l on l.ticket_id = t.id
         join inbound_message m on m.id = l.inbound_message_id
         left join ticket_type tt on tt.id = t.type_id
         left join contact c on c.id = t.contact_id
        order by t.id`,
    );
  }, 300_000);

  afterAll(async () => {
    await scenario?.stop();
  });

  it('uses at least 20 different real messages, with invalid and error cases among them', () => {
    expect(samples.length).toBeGreaterThanOrEqual(20);
    expect(samples.filter((s) => s.kind === 'invalid').length).toBeGreaterThan(0);
    expect(samples.filter((s) => s.kind === 'error').map((s) => s.file)).toEqual(['phpmmp-issue408.eml']);
  });

  it('captures every message once, byte for byte, and empties the mailbox', async () => {
    const captured = await scenario.query<{ sha256: string; state: string }>(
      'select sha256, state from inbound_message order by id',
    );
    expect(captured).toHaveLength(samples.length);
    expect(captured.every((row) => row.state === 'processed')).toBe(true);
    // Oversized messages are kept up to the limit, so only the others can be compared whole.
    const complete = samples.filter((s) => s.kind !== 'error').map((s) => s.sha256AsServed);
    const capturedHashes = captured.map((row) => row.sha256);
    for (const hash of complete) expect(capturedHashes.filter((h) => h === hash)).toHaveLength(1);
    expect(await scenario.inboxCount()).toBe(0);
  });

  it('makes exactly the expected tickets per message: type, invalid or error', () => {
    for (const sample of samples) {
      const tickets = rows.filter((row) => row.sha256 === sample.sha256AsServed);
      if (sample.kind === 'error') continue; // checked below by reason
      expect({ file: sample.file, kinds: tickets.map((t) => t.kind) }).toEqual({
        file: sample.file,
        kinds: sample.kind === 'normal' ? sample.types.map(() => 'normal') : ['invalid'],
      });
      expect({ file: sample.file, types: tickets.map((t) => t.type_name).sort() }).toEqual({
        file: sample.file,
        types: sample.kind === 'normal' ? [...sample.types].sort() : [null],
      });
    }
    const expectedNormal = samples.reduce((sum, s) => sum + s.types.length, 0);
    expect(rows.filter((r) => r.kind === 'normal')).toHaveLength(expectedNormal);
    expect(rows.filter((r) => r.kind === 'invalid')).toHaveLength(samples.filter((s) => s.kind === 'invalid').length);
  });

  it('turns the oversized message into an error ticket with no contact and the reason', async () => {
    const errors = await scenario.query<{ error_reason: string; contact_id: number | null; type_id: number | null }>(
      `select error_reason, contact_id, type_id from ticket where kind = 'error'`,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0].contact_id).toBeNull();
    expect(errors[0].type_id).toBeNull();
    expect(errors[0].error_reason).toContain('111476');
    expect(errors[0].error_reason).toContain(String(MAX_MESSAGE_BYTES));
  });

  it('finds or creates the contact by sender address', () => {
    for (const sample of samples.filter((s) => s.kind === 'normal' && s.expectation.from_address)) {
      const tickets = rows.filter((row) => row.sha256 === sample.sha256AsServed);
      for (const ticket of tickets) {
        expect({ file: sample.file, contact: ticket.contact_email }).toEqual({
          file: sample.file,
          contact: sample.expectation.from_address!.toLowerCase(),
        });
      }
    }
  });

  it('routes a message addressed only by BCC (Delivered-To) to its type', () => {
    const bcc = samples.find((s) => s.file === 'syn-10-bcc-only.eml')!;
    expect(bcc.expectation.to_cc_addresses).not.toContain(SUPPORT_ADDRESS);
    expect(rows.filter((row) => row.sha256 === bcc.sha256AsServed).map((row) => row.type_name)).toEqual(['Support']);
  });

  it('stores attachments with their names, sizes and content hashes', async () => {
    // Values checked independently with Python's email package (policy default).
    const expected: Record<string, Array<[string, number, string]>> = {
      'redmine-apple_mail_with_attachment.eml': [
        ['paella.jpg', 10790, '4474dd534c36bdd212e2efc549507377c3e77147c9167b66dedcebfe9da8807f'],
      ],
      'mmp-m1005.eml': [
        ['C:TEMPnsmailEG.png', 1325, '68aa843030f8c6ad625450054732fe0f3a680496d98f957d578192fa4469cec2'],
        ['C:TEMPnsmail39.png', 1453, '63aa82493459d1a5ac267e20109d380ba995788f7fa13ed43021ebb37ead6fc5'],
        ['redball.png', 1453, '63aa82493459d1a5ac267e20109d380ba995788f7fa13ed43021ebb37ead6fc5'],
        ['greenball.png', 1298, '258bcdd418e60b1f2dd911c83133e7aa07dd3d87ff09708384aba85e06f80e34'],
      ],
      'imaptools-attachment_nonascii_filename.eml': [
        ['ciële.txt', 11, '12ad052c11ebcc644692dfbf6186c8441a55ba49e7f8a5f979eeb638160669d8'],
      ],
      'redmine-ticket_with_empty_attachment.eml': [
        ['response.json', 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
      ],
    };
    for (const [file, files] of Object.entries(expected)) {
      const sample = samples.find((s) => s.file === file)!;
      const logIds = rows.filter((row) => row.sha256 === sample.sha256AsServed).map((row) => row.log_id);
      expect(logIds.length).toBeGreaterThan(0);
      const stored = await scenario.query<{ filename: string; size: number; sha256: string }>(
        'select filename, size, sha256 from attachment where ticket_log_id = $1 order by id',
        [logIds[0]],
      );
      // mmp-m1005's first two names are Netscape's raw Windows paths; the corpus keeps them as sent.
      expect({ file, attachments: stored.map((a) => [a.filename, a.size, a.sha256]) }).toEqual({
        file,
        attachments: files,
      });
    }
  });

  it('sends one notification per new log to the admin (and the forward address), tagged and with attachments', async () => {
    const typedLogs = rows.filter((row) => row.kind === 'normal');
    const supportLogs = typedLogs.filter((row) => row.type_name === 'Support');
    const redmineLogs = typedLogs.filter((row) => row.type_name === 'Redmine');
    const mails = scenario.sink.messages;
    const to = (address: string) => mails.filter((mail) => mail.envelopeTo.includes(address));
    expect(to(SUPPORT_ADMIN)).toHaveLength(supportLogs.length);
    expect(to(SUPPORT_FORWARD)).toHaveLength(supportLogs.length);
    expect(to(REDMINE_ADMIN)).toHaveLength(redmineLogs.length);
    expect(mails).toHaveLength(supportLogs.length * 2 + redmineLogs.length);

    for (const log of typedLogs) {
      expect(log.receiver_email).toBe(log.type_name === 'Support' ? SUPPORT_ADMIN : REDMINE_ADMIN);
      const tag = `[${log.type_name} #${log.ticket_id}-${log.log_id}]`;
      const received = to(log.receiver_email!).filter((mail) => mail.parsed.subject?.startsWith(tag));
      expect({ tag, count: received.length }).toEqual({ tag, count: 1 });
    }

    const paella = samples.find((s) => s.file === 'redmine-apple_mail_with_attachment.eml')!;
    const paellaLog = rows.find((row) => row.sha256 === paella.sha256AsServed)!;
    const notification = to(REDMINE_ADMIN).find((mail) =>
      mail.parsed.subject?.startsWith(`[Redmine #${paellaLog.ticket_id}-${paellaLog.log_id}]`),
    )!;
    expect(notification.parsed.subject).toBe(
      `[Redmine #${paellaLog.ticket_id}-${paellaLog.log_id}] Test attaching images to tickets by HTML mail`,
    );
    const attachment = notification.parsed.attachments.find((a) => a.filename === 'paella.jpg')!;
    expect(attachment.size).toBe(10790);
    expect(attachment.checksum).toBeDefined();
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(attachment.content).digest('hex')).toBe(
      '4474dd534c36bdd212e2efc549507377c3e77147c9167b66dedcebfe9da8807f',
    );

    const sent = await scenario.query<{ status: string; message_id: string }>('select status, message_id from email_queue');
    expect(sent.every((row) => row.status === 'sent')).toBe(true);
    const receivedIds = new Set(mails.map((mail) => mail.parsed.messageId));
    for (const row of sent) expect(receivedIds).toContain(row.message_id);
  });

  it('adds a reply to a received notification to the same ticket as a second log', async () => {
    const original = rows.find((row) => row.type_name === 'Support' && row.contact_email === 'grace@example.org')!;
    const notification = scenario.sink.messages.find(
      (mail) =>
        mail.envelopeTo.includes(SUPPORT_ADMIN) &&
        mail.parsed.subject?.startsWith(`[Support #${original.ticket_id}-${original.log_id}]`),
    )!;
    const reply = Buffer.from(
      [
        'From: Grace <grace@example.org>',
        `To: ${SUPPORT_ADDRESS}`,
        `Subject: Re: ${notification.parsed.subject}`,
        'Message-ID: <reply-1@example.org>',
        `In-Reply-To: ${notification.parsed.messageId}`,
        'Date: Thu, 03 Dec 2026 10:00:00 +0000',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Thanks, the laptop arrived.',
        '',
      ].join('\r\n'),
    );
    const before = scenario.sink.messages.length;
    await scenario.appendMessages([reply]);
    await scenario.fetchNow();
    await scenario.waitUntilSettled(samples.length + 1, 60_000);

    const logs = await scenario.query<{ id: number; subject: string; message_id: string }>(
      'select id, subject, message_id from ticket_log where ticket_id = $1 order by id',
      [original.ticket_id],
    );
    expect(logs).toHaveLength(2);
    expect(logs[1].message_id).toBe('<reply-1@example.org>');
    const [{ count }] = await scenario.query<{ count: string }>('select count(*) from ticket');
    expect(Number(count)).toBe(new Set(rows.map((row) => row.ticket_id)).size);
    await scenario.waitFor('reply notifications', async () => scenario.sink.messages.length >= before + 2, 30_000);
    const replyNotification = scenario.sink.messages
      .slice(before)
      .find((mail) => mail.envelopeTo.includes(SUPPORT_ADMIN))!;
    expect(replyNotification.parsed.subject).toMatch(
      new RegExp(`^\\[Support #${original.ticket_id}-${logs[1].id}\\] `),
    );
    expect(await scenario.inboxCount()).toBe(0);
  });
});
