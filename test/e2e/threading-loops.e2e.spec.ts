import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  composeMail,
  REDMINE_ADDRESS,
  REDMINE_ADMIN,
  startPipelineScenario,
  SUPPORT_ADDRESS,
  SUPPORT_ADMIN,
  SUPPORT_FORWARD,
  type PipelineScenario,
  type ReceivedMail,
} from '@twe/testing';

/**
 * Issue 4 acceptance, end to end on real parts: messages APPENDed to a real Dovecot, fetched over
 * IMAP by the mail-fetcher, processed by the ticket-processor, notifications delivered by the
 * mail-sender to an SMTP sink; the four services run as separate processes (built output).
 */
describe('threading, loops and storms end to end', () => {
  let scenario: PipelineScenario;
  let delivered = 0;

  beforeAll(async () => {
    scenario = await startPipelineScenario();
  }, 120_000);

  afterAll(async () => {
    await scenario?.stop();
  });

  /** APPENDs the messages, asks for a fetch and waits until everything is processed and sent. */
  async function deliver(...messages: Buffer[]): Promise<void> {
    await scenario.appendMessages(messages);
    delivered += messages.length;
    let lastFetch = 0;
    await scenario.waitFor(
      `${delivered} messages processed and every email sent`,
      async () => {
        // A fetch still finishing the previous batch dedupes "fetch now": ask again until it runs.
        if (Date.now() - lastFetch > 3_000) {
          lastFetch = Date.now();
          await scenario.fetchNow();
        }
        const [row] = await scenario.query<{ captured: string; pending: string; unsent: string }>(
          `select (select count(*) from inbound_message) as captured,
                  (select count(*) from inbound_message where state = 'captured') as pending,
                  (select count(*) from email_queue where status in ('queued', 'sending')) as unsent`,
        );
        return Number(row.captured) >= delivered && Number(row.pending) === 0 && Number(row.unsent) === 0;
      },
      60_000,
    );
  }

  async function logsByMessageId(messageId: string): Promise<Array<{ id: number; ticket_id: number }>> {
    return scenario.query('select id, ticket_id from ticket_log where message_id = $1 order by id', [
      messageId,
    ]);
  }

  async function ticketOf(messageId: string): Promise<{ ticketId: number; logId: number }> {
    const [log] = await logsByMessageId(messageId);
    return { ticketId: log.ticket_id, logId: log.id };
  }

  /** Mail the sink received about one ticket (our tag in the subject). */
  function sinkMailOf(ticketId: number, to?: string): ReceivedMail[] {
    return scenario.sink.messages.filter(
      (mail) =>
        (mail.parsed.subject ?? '').includes(`#${ticketId}-`) &&
        (to === undefined || mail.envelopeTo.includes(to)),
    );
  }

  it('reply-all storm: three people copied on an enquiry all reply -> one ticket, four logs', async () => {
    const cc = 'a@storm.example, b@storm.example, c@storm.example';
    await deliver(
      composeMail({
        from: 'Olivia <olivia@storm.example>',
        to: SUPPORT_ADDRESS,
        cc,
        subject: 'Network down on floor 2',
        messageId: '<storm-0@storm.example>',
      }),
    );
    const replies = ['a', 'b', 'c'].map((who) =>
      composeMail({
        from: `${who}@storm.example`,
        to: `olivia@storm.example, ${SUPPORT_ADDRESS}`,
        cc: cc.replace(`${who}@storm.example, `, '').replace(`, ${who}@storm.example`, ''),
        subject: 'Re: Network down on floor 2',
        messageId: `<storm-${who}@storm.example>`,
        inReplyTo: '<storm-0@storm.example>',
        references: '<storm-0@storm.example>',
      }),
    );
    await deliver(...replies);

    const { ticketId } = await ticketOf('<storm-0@storm.example>');
    const logs = await scenario.query<{ message_id: string }>(
      'select message_id from ticket_log where ticket_id = $1 order by id',
      [ticketId],
    );
    // The three replies are processed in parallel: their order on the ticket is any.
    expect(logs.map((log) => log.message_id).sort()).toEqual([
      '<storm-0@storm.example>',
      '<storm-a@storm.example>',
      '<storm-b@storm.example>',
      '<storm-c@storm.example>',
    ]);
    const tickets = await scenario.query('select id from ticket where subject like $1', [
      '%Network down on floor 2',
    ]);
    expect(tickets).toHaveLength(1);
    // Each message is a notification (admin) and a forward: people, not machines.
    expect(sinkMailOf(ticketId, SUPPORT_ADMIN)).toHaveLength(4);
  });

  it('out-of-office reply to a notification: logged, no notification, status unchanged', async () => {
    await deliver(
      composeMail({
        from: 'bob@customer.example',
        to: SUPPORT_ADDRESS,
        subject: 'Invoice question',
        messageId: '<oof-0@customer.example>',
      }),
    );
    const { ticketId } = await ticketOf('<oof-0@customer.example>');
    await scenario.query(`update ticket set status = 'Pending' where id = $1`, [ticketId]);
    const [notification] = sinkMailOf(ticketId, SUPPORT_ADMIN);
    const before = scenario.sink.messages.length;

    // The admin's out-of-office answers the notification (a responder that ignores Auto-Submitted).
    await deliver(
      composeMail({
        from: `Admin <${SUPPORT_ADMIN}>`,
        to: SUPPORT_ADDRESS,
        subject: `Automatic reply: ${notification.parsed.subject}`,
        messageId: '<oof-1@example.com>',
        inReplyTo: notification.parsed.messageId,
        headers: ['Auto-Submitted: auto-replied', 'X-Auto-Response-Suppress: All'],
        text: 'I am out of the office until Monday.',
      }),
    );
    const [oof] = await scenario.query<{
      ticket_id: number;
      machine_mail: string;
      notification_note: string;
    }>(
      `select ticket_id, machine_mail, notification_note from ticket_log where message_id = '<oof-1@example.com>'`,
    );
    expect(oof).toEqual({
      ticket_id: ticketId,
      machine_mail: 'auto-reply: Auto-Submitted: auto-replied',
      notification_note: 'No notification: machine mail',
    });
    const [ticket] = await scenario.query<{ status: string }>('select status from ticket where id = $1', [
      ticketId,
    ]);
    expect(ticket.status).toBe('Pending');
    const changes = await scenario.query('select to_status from ticket_status_change where ticket_id = $1', [
      ticketId,
    ]);
    expect(changes).toEqual([{ to_status: 'New' }]);
    expect(scenario.sink.messages.length).toBe(before);
  });

  it("two helpdesks' auto-replies answering each other: no loop, one notification", async () => {
    // Another helpdesk acknowledges a request with an automatic message; it lands in ours.
    await deliver(
      composeMail({
        from: 'Other Desk <desk@otherhelp.example>',
        to: SUPPORT_ADDRESS,
        subject: '[OTHER #5501] We have received your request',
        messageId: '<ack-0@otherhelp.example>',
      }),
    );
    const { ticketId } = await ticketOf('<ack-0@otherhelp.example>');
    // Each of our emails about it reaches the other helpdesk, which acknowledges again (five rounds).
    for (let round = 1; round <= 5; round++) {
      const ours = sinkMailOf(ticketId).at(-1)!;
      await deliver(
        composeMail({
          from: 'Other Desk <desk@otherhelp.example>',
          to: SUPPORT_ADDRESS,
          subject: `Re: ${ours.parsed.subject} [OTHER #${5501 + round}]`,
          messageId: `<ack-${round}@otherhelp.example>`,
          inReplyTo: ours.parsed.messageId,
          headers: ['Auto-Submitted: auto-replied', 'X-Autoreply: yes', 'Precedence: auto_reply'],
        }),
      );
    }
    const logs = await scenario.query('select id from ticket_log where ticket_id = $1', [ticketId]);
    expect(logs).toHaveLength(6);
    expect(sinkMailOf(ticketId, SUPPORT_ADMIN)).toHaveLength(1);
    expect(sinkMailOf(ticketId, SUPPORT_FORWARD)).toHaveLength(1);
  });

  it('a stranger using a copied tag gets a new ticket, noted', async () => {
    await deliver(
      composeMail({
        from: 'carol@customer.example',
        to: SUPPORT_ADDRESS,
        subject: 'Laptop battery',
        messageId: '<tag-0@customer.example>',
      }),
    );
    const original = await ticketOf('<tag-0@customer.example>');
    await deliver(
      composeMail({
        from: 'eve@stranger.example',
        to: SUPPORT_ADDRESS,
        subject: `Re: [Support #${original.ticketId}-${original.logId}] Laptop battery`,
        messageId: '<tag-1@stranger.example>',
      }),
    );
    const [log] = await scenario.query<{ ticket_id: number; threading_note: string }>(
      `select ticket_id, threading_note from ticket_log where message_id = '<tag-1@stranger.example>'`,
    );
    expect(log.ticket_id).not.toBe(original.ticketId);
    expect(log.threading_note).toBe(
      `Tag [Support #${original.ticketId}-${original.logId}] names ticket #${original.ticketId}, but the sender does not take part in it: new ticket`,
    );
    const [stranger] = await scenario.query<{ email: string }>(
      'select c.email from ticket t join contact c on c.id = t.contact_id where t.id = $1',
      [log.ticket_id],
    );
    expect(stranger.email).toBe('eve@stranger.example');
    expect(sinkMailOf(log.ticket_id, SUPPORT_ADMIN)).toHaveLength(1);
  });

  it('a message to two types makes two tickets, each notified to its own admin', async () => {
    await deliver(
      composeMail({
        from: 'dan@customer.example',
        to: SUPPORT_ADDRESS,
        cc: REDMINE_ADDRESS,
        subject: 'Bug and support question',
        messageId: '<two-0@customer.example>',
      }),
    );
    const tickets = await scenario.query<{ ticket_id: number; name: string }>(
      `select l.ticket_id, tt.name from ticket_log l join ticket t on t.id = l.ticket_id
         join ticket_type tt on tt.id = t.type_id where l.message_id = '<two-0@customer.example>' order by tt.name`,
    );
    expect(tickets.map((ticket) => ticket.name)).toEqual(['Redmine', 'Support']);
    expect(tickets[0].ticket_id).not.toBe(tickets[1].ticket_id);
    expect(sinkMailOf(tickets[0].ticket_id, REDMINE_ADMIN)).toHaveLength(1);
    expect(sinkMailOf(tickets[1].ticket_id, SUPPORT_ADMIN)).toHaveLength(1);
  });

  it('the same Message-ID delivered twice yields one ticket log', async () => {
    const raw = composeMail({
      from: 'fay@customer.example',
      to: SUPPORT_ADDRESS,
      subject: 'Sent twice',
      messageId: '<dup-0@customer.example>',
    });
    await deliver(raw, raw);
    expect(await logsByMessageId('<dup-0@customer.example>')).toHaveLength(1);
    const copies = await scenario.query<{ state: string; error: string | null }>(
      `select state, error from inbound_message where convert_from(raw, 'UTF8') like '%<dup-0@customer.example>%' order by id`,
    );
    expect(copies.map((copy) => copy.state)).toEqual(['processed', 'processed']);
    // The copies are processed in parallel: whichever comes second records that it is a duplicate.
    const duplicates = copies.filter((copy) => copy.error !== null);
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0].error).toMatch(
      /^Duplicate delivery of <dup-0@customer\.example>: already on ticket #\d+/,
    );
  });

  it('reassigning an invalid ticket sends its notification then', async () => {
    await deliver(
      composeMail({
        from: 'gus@customer.example',
        to: 'nobody@helpdesk.example.com',
        subject: 'Wrong address',
        messageId: '<invalid-0@customer.example>',
      }),
    );
    const { ticketId, logId } = await ticketOf('<invalid-0@customer.example>');
    expect(sinkMailOf(ticketId)).toHaveLength(0);
    const response = await fetch(`${scenario.system.gatewayUrl}/api/tickets/${ticketId}/reassign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticketTypeId: scenario.typeIds.support }),
    });
    expect(response.status).toBe(200);
    await scenario.waitFor(
      'the reassigned notification at the sink',
      async () => sinkMailOf(ticketId).length === 2,
      30_000,
    );
    const [notification] = sinkMailOf(ticketId, SUPPORT_ADMIN);
    expect(notification.parsed.subject).toBe(`[Support #${ticketId}-${logId}] Wrong address`);
    expect(notification.parsed.inReplyTo).toBe('<invalid-0@customer.example>');
    const [ticket] = await scenario.query<{ kind: string; type_id: number }>(
      'select kind, type_id from ticket where id = $1',
      [ticketId],
    );
    expect(ticket).toEqual({ kind: 'normal', type_id: scenario.typeIds.support });
  });

  it('a customer reply reopens a Resolved ticket, with the change recorded', async () => {
    await deliver(
      composeMail({
        from: 'hal@customer.example',
        to: SUPPORT_ADDRESS,
        subject: 'Printer again',
        messageId: '<reopen-0@customer.example>',
      }),
    );
    const { ticketId, logId } = await ticketOf('<reopen-0@customer.example>');
    await scenario.query(`update ticket set status = 'Resolved' where id = $1`, [ticketId]);
    await deliver(
      composeMail({
        from: 'Hal <hal@customer.example>',
        to: SUPPORT_ADDRESS,
        subject: `RE: [Support #${ticketId}-${logId}] Printer again`,
        messageId: '<reopen-1@customer.example>',
        text: 'It jammed again.',
      }),
    );
    const reply = await ticketOf('<reopen-1@customer.example>');
    expect(reply.ticketId).toBe(ticketId);
    const [ticket] = await scenario.query<{ status: string }>('select status from ticket where id = $1', [
      ticketId,
    ]);
    expect(ticket.status).toBe('Open');
    const changes = await scenario.query<{
      from_status: string | null;
      to_status: string;
      cause: string;
      ticket_log_id: number;
    }>(
      'select from_status, to_status, cause, ticket_log_id from ticket_status_change where ticket_id = $1 order by id',
      [ticketId],
    );
    expect(changes).toEqual([
      { from_status: null, to_status: 'New', cause: 'new message', ticket_log_id: logId },
      {
        from_status: 'Resolved',
        to_status: 'Open',
        cause: 'customer reply from hal@customer.example',
        ticket_log_id: reply.logId,
      },
    ]);
    expect(sinkMailOf(ticketId, SUPPORT_ADMIN)).toHaveLength(2);
  });
});
